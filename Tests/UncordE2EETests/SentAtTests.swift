import Foundation
import Testing
import UncordCrypto
import UncordTestSupport

@testable import UncordE2EE

/// A payload's `sent_at` is written by UncordProtocol's `Timestamp` exactly as the `ISO8601DateFormatter` it
/// replaced wrote it: to the second, after rounding to the nearest millisecond.
@Suite("sent_at text")
struct SentAtTests {
    @Test("sent_at is what ISO8601DateFormatter with .withInternetDateTime writes")
    func sentAt() {
        let (seed, random) = DeterministicRandom.seeded("sent_at")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var dates = [0, -0.0005, 1_750_000_000.9995, 1_750_000_000.9994, -1.5, 1_737_245_141.9995375].map {
            Date(timeIntervalSince1970: $0)
        }
        for index in 0..<50_000 {
            let raw = random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let micros = Double(raw % 6_311_390_400_000_000) / 1_000_000 - 2_208_988_800
            let whole = micros.rounded(.down)
            let near = Double(Int64(raw % 2_001) - 1_000) / 1_000_000  // within a millisecond of a second
            dates.append(Date(timeIntervalSince1970: [micros, whole, whole + near][index % 3]))
        }
        for date in dates {
            #expect(
                E2EEEngine.rfc3339(date) == formatter.string(from: date), "seed \(seed), \(date.timeIntervalSince1970)")
        }
    }
}
