import Synchronization
public import UncordCrypto

/// Where a ratchet draws its new DH key pairs. Production code uses ``RandomKeyPairs``; tests and vectors script
/// the keys with ``ScriptedKeyPairs``. A DH ratchet step draws only once it is sure to succeed, so a failed receive
/// never consumes a key.
public protocol KeyPairSource: Sendable {
    /// The next key pair.
    func nextKeyPair() throws(RatchetError) -> X25519.PrivateKey
}

/// Fresh key pairs from a random source.
public struct RandomKeyPairs: KeyPairSource {
    private let random: any RandomSource

    /// Key pairs from `random` (the system generator by default).
    public init(_ random: any RandomSource = SystemRandom()) { self.random = random }

    public func nextKeyPair() throws(RatchetError) -> X25519.PrivateKey { .generate(using: random) }
}

/// Key pairs handed out in a fixed order, for test vectors and replayable tests.
public final class ScriptedKeyPairs: KeyPairSource {
    private let keys: Mutex<ArraySlice<X25519.PrivateKey>>

    /// The keys, in the order they will be drawn.
    public init(_ keys: [X25519.PrivateKey]) { self.keys = Mutex(keys[...]) }

    /// How many keys have not been drawn.
    public var remaining: Int { keys.withLock { $0.count } }

    public func nextKeyPair() throws(RatchetError) -> X25519.PrivateKey {
        let next = keys.withLock { $0.popFirst() }
        guard let next else { throw .keySourceExhausted }
        return next
    }
}
