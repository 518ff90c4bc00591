public import UncordCrypto

extension DeterministicRandom {
    /// A generator from a fresh random seed, printed as "`label` seed N" so that a failing run can be replayed with
    /// `DeterministicRandom(seed: N)`; answers the seed too, for the test's failure messages.
    public static func seeded(_ label: String) -> (seed: UInt64, random: DeterministicRandom) {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("\(label) seed \(seed)")
        return (seed, DeterministicRandom(seed: seed))
    }
}
