import Synchronization

/// The chaos layer's randomness: SplitMix64 from a seed, behind a lock so concurrent tasks can draw from it. The
/// same seed replays the same sequence of decisions (the tasks' timing, and so which frame meets which decision,
/// still varies a little from run to run).
final class ChaosRandom: Sendable {
    private let state: Mutex<UInt64>

    init(seed: UInt64) { state = Mutex(seed) }

    /// The next 64 random bits.
    func next() -> UInt64 {
        state.withLock { state in
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    /// A number in `0..<bound`.
    func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    /// `true` with probability `p`.
    func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// A duration between `low` and `high` milliseconds.
    func milliseconds(_ low: Int, _ high: Int) -> Duration { .milliseconds(low + below(high - low + 1)) }

    /// A new source for one component, so that components draw independent sequences from one seed.
    func fork(_ index: UInt64) -> ChaosRandom { ChaosRandom(seed: next() ^ (index &* 0x2545_f491_4f6c_dd1d)) }
}

/// What the chaos layer did, for the test's summary.
final class ChaosTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ what: String) { counts.withLock { $0[what, default: 0] += 1 } }

    var summary: String {
        counts.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    func value(_ what: String) -> Int { counts.withLock { $0[what] ?? 0 } }
}
