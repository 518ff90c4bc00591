import Synchronization
import UncordTestSupport

/// The chaos layer's randomness: the seeded, replayable source of the test support.
typealias ChaosRandom = SeededRandom

/// What the chaos layer did, for the test's summary.
final class ChaosTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ what: String) { counts.withLock { $0[what, default: 0] += 1 } }

    var summary: String {
        counts.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    func value(_ what: String) -> Int { counts.withLock { $0[what] ?? 0 } }
}
