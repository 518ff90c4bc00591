public import UncordCrypto

/// Sends and receives UEDM/1 messages over pairwise sessions kept in a ``RatchetStore`` (PROTOCOL.md sections 3,
/// 5, 6 and 8).
///
/// ``seal(_:channel:participants:bundles:in:)`` encrypts a message once and wraps its content key for every device
/// of every participant and for this user's other devices, never for this device; devices without a session get
/// one from their pre-key bundle first. ``open(content:wrap:channel:author:in:)`` takes one wrap back out,
/// starting a session when a pre-key wrap asks for one and otherwise trying the device's sessions most recent
/// first. Each call reads the store, computes every change, and writes them with one ``RatchetStore/commit(_:)``
/// only when the whole step succeeded: a failure leaves the store exactly as it was.
///
/// ```swift
/// let cipher = SessionCipher()
/// let sealed = try cipher.seal(payload, channel: channel, participants: [bob], bundles: [bobsKeys], in: aliceStore)
/// // POST sealed.request() … then, on Bob's device, for the wrap addressed to it:
/// let opened = try cipher.open(content: sealed.content, wrap: wrapForBob, channel: channel, author: alice,
///                              in: bobStore)
/// ```
public struct SessionCipher: Sendable {
    /// Decides on identity keys that differ from the pinned ones.
    public var trustPolicy: any TrustPolicy
    let keyPairs: any KeyPairSource
    let random: any RandomSource

    /// A cipher with a trust policy, a source of X25519 key pairs (ephemeral and ratchet keys) and a random source
    /// (content keys and nonces); the defaults are for production use.
    public init(
        trustPolicy: any TrustPolicy = TrustOnFirstUse(), keyPairs: any KeyPairSource = RandomKeyPairs(),
        random: any RandomSource = SystemRandom()
    ) {
        self.trustPolicy = trustPolicy
        self.keyPairs = keyPairs
        self.random = random
    }
}

/// The changes and notices of one step, gathered before anything is written.
struct PendingStep {
    var changes = StoreChangeSet()
    var notices: [TrustNotice] = []

    /// Takes the change set out of the step, leaving it empty, for ``RatchetStore/commit(_:)`` to consume: passed
    /// as `step.changes`, it would be a second reference to the same storage, which the store then has to copy.
    mutating func takeChanges() -> StoreChangeSet {
        var taken = StoreChangeSet()
        swap(&taken, &changes)
        return taken
    }

    /// How an identity key compares with the pin.
    enum IdentityCheck {
        case firstUse, same, changeAccepted
    }

    /// Checks `key` against the identity pinned for `address` (trust on first use; a change goes to `policy`),
    /// recording the new pin and notice.
    /// - Throws: ``RatchetError/identityChanged(_:)`` when the policy refuses a change.
    mutating func checkIdentity(
        _ key: X25519.PublicKey, of address: DeviceAddress, pinned: PinnedIdentity?, policy: any TrustPolicy
    ) throws(RatchetError) -> IdentityCheck {
        let current = changes.pinnedIdentities[address] ?? pinned
        guard let current else {
            guard policy.acceptsFirstUse(of: address, key: key) else { throw .foreignIdentityKey(address) }
            changes.pinnedIdentities[address] = PinnedIdentity(key: key, level: .unverified)
            notices.append(.pinned(address, key: key))
            return .firstUse
        }
        if current.key == key { return .same }
        guard policy.acceptsFirstUse(of: address, key: key) else { throw .foreignIdentityKey(address) }
        guard policy.acceptsChange(of: address, from: current, to: key) else { throw .identityChanged(address) }
        changes.pinnedIdentities[address] = PinnedIdentity(key: key, level: .changed)
        notices.append(.identityChanged(address, previous: current.key, current: key))
        return .changeAccepted
    }
}
