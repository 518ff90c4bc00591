import Foundation
import Testing
import UncordCrypto

@testable import UncordStore

/// The store's hand-written text forms equal what Foundation writes (Docs/PERFORMANCE.md).
@Suite("Store text forms")
struct StoreTextTests {
    @Test("UUIDs are written as uuidString.lowercased()")
    func uuids() {
        for _ in 0..<20_000 {
            let id = UUID()
            #expect(id.lowercased == id.uuidString.lowercased())
        }
        let edges = [
            UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
        ]
        for id in edges { #expect(id.lowercased == id.uuidString.lowercased()) }
    }

    @Test("Timestamps are written as the ISO 8601 format style writes them")
    func timestamps() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("timestamps seed \(seed)")
        let random = DeterministicRandom(seed: seed)
        var fast = 0
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_750_000_000.1225),
            Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29
            Date(timeIntervalSince1970: 253_402_300_799.25), Date.now,
        ]
        for _ in 0..<100_000 {
            let raw = random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            // Anywhere from 1900 to 2100, with any sub-millisecond fraction.
            let seconds = Double(raw % 6_311_390_400_000_000) / 1_000_000 - 2_208_988_800
            dates.append(Date(timeIntervalSince1970: seconds))
        }
        for date in dates {
            let expected = date.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            if let written = Timestamp.fastFormat(date) {
                fast += 1
                #expect(written == expected, "seed \(seed), \(date.timeIntervalSince1970)")
            }
            #expect(Timestamp.format(date) == expected)
        }
        #expect(fast > dates.count * 9 / 10)
    }
}
