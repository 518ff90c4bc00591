import Foundation
import Synchronization

/// Randomness for tests that must replay: SplitMix64 from a seed, behind a lock so concurrent tasks can draw from it.
/// The same seed gives the same sequence of decisions (the timing of processes and tasks, and so what each decision
/// meets, still varies a little from run to run).
public final class SeededRandom: Sendable {
    private let state: Mutex<SplitMix64>

    /// A source starting from `seed`.
    public init(seed: UInt64) { state = Mutex(SplitMix64(seed: seed)) }

    /// The next 64 random bits.
    public func next() -> UInt64 { state.withLock { $0.next() } }

    /// A number in `0..<bound`.
    public func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    /// `true` with probability `p`.
    public func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// A duration between `low` and `high` milliseconds.
    public func milliseconds(_ low: Int, _ high: Int) -> Duration { .milliseconds(low + below(high - low + 1)) }

    /// A new source for one component, so that components draw independent sequences from one seed.
    public func fork(_ index: UInt64) -> SeededRandom {
        SeededRandom(seed: next() ^ (index &* 0x2545_f491_4f6c_dd1d))
    }

    /// The seed of a replayable run: `variable` in the environment when set (to replay a failure), else a new one.
    public static func seed(from variable: String) -> UInt64 {
        if let text = ProcessInfo.processInfo.environment[variable], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 0...UInt64.max)
    }
}
