import Foundation
import Testing
import UncordCrypto

@testable import UncordProtocol

/// ``Timestamp/init(_:precision:)``, the one writer of RFC 3339 text (the store's, the CLI's, the dev server's and
/// the engine's `sent_at`), writes what Foundation writes (Docs/PERFORMANCE.md).
@Suite("Timestamps written from dates")
struct TimestampFormattingTests {
    /// Edges, then random dates from 1900 to 2100: any sub-millisecond fraction, whole seconds, and dates within a
    /// few microseconds of a second.
    static func dates(seed: UInt64) -> [Date] {
        let random = DeterministicRandom(seed: seed)
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_750_000_000.1225),
            Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29
            Date(timeIntervalSince1970: 253_402_300_799.25), Date(timeIntervalSince1970: 1_750_000_000),
            Date(timeIntervalSince1970: 1_750_000_000.9999), Date(timeIntervalSince1970: -0.0001), Date.now,
        ]
        for index in 0..<100_000 {
            let raw = random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let micros = Double(raw % 6_311_390_400_000_000) / 1_000_000 - 2_208_988_800
            let whole = micros.rounded(.down)
            let near = Double(Int64(raw % 20_001) - 10_000) / 1_000_000_000  // within 10 µs
            dates.append(Date(timeIntervalSince1970: [micros, whole, whole + near][index % 3]))
        }
        return dates
    }

    @Test("To the millisecond, as the ISO 8601 format style writes with fractional seconds")
    func milliseconds() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("timestamp milliseconds seed \(seed)")
        var fast = 0
        let dates = Self.dates(seed: seed)
        for date in dates {
            let expected = date.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            if let written = Timestamp.fastFormat(date, precision: .milliseconds) {
                fast += 1
                #expect(written.text == expected, "seed \(seed), \(date.timeIntervalSince1970)")
            }
            let stamp = Timestamp(date, precision: .milliseconds)
            #expect(stamp.text == expected, "seed \(seed), \(date.timeIntervalSince1970)")
            #expect(stamp.date == Timestamp(rfc3339: stamp.text)?.date, "seed \(seed), \(stamp.text)")
        }
        #expect(fast > dates.count * 6 / 10)
    }

    @Test("To the second, as the format style, .iso8601 and the CLI wrote them")
    func seconds() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("timestamp seconds seed \(seed)")
        var fast = 0
        let dates = Self.dates(seed: seed)
        for date in dates {
            let expected = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
            #expect(date.formatted(.iso8601) == expected)
            if let written = Timestamp.fastFormat(date, precision: .seconds) {
                fast += 1
                #expect(written.text == expected, "seed \(seed), \(date.timeIntervalSince1970)")
            }
            let stamp = Timestamp(date)
            #expect(stamp.text == expected, "seed \(seed), \(date.timeIntervalSince1970)")
            #expect(stamp.date == Timestamp(rfc3339: stamp.text)?.date, "seed \(seed), \(stamp.text)")
        }
        #expect(fast > dates.count * 9 / 10)
    }

    @Test("The calendar date of a day count is the inverse of the day count of a date")
    func civilDates() {
        for days in stride(from: -800_000, through: 3_000_000, by: 7) {
            let date = Timestamp.civilDate(daysSinceEpoch: days)
            #expect((1...12).contains(date.month))
            #expect((1...Timestamp.daysIn(month: date.month, year: date.year)).contains(date.day))
            #expect(Timestamp.daysSinceEpoch(year: date.year, month: date.month, day: date.day) == days)
        }
        #expect(Timestamp.civilDate(daysSinceEpoch: 0) == (1970, 1, 1))
        #expect(Timestamp.civilDate(daysSinceEpoch: 11_016) == (2000, 2, 29))
        #expect(Timestamp.civilDate(daysSinceEpoch: -1) == (1969, 12, 31))
    }
}
