public import Foundation
public import UncordCrypto
public import UncordRatchet

/// A peer user's pinned account identity key as the store keeps it (LINKED_DEVICES.md A3): its trust, whether
/// sending to the user is blocked, and a changed key held until the change is accepted.
public struct PeerIdentityRecord: Sendable, Equatable {
    /// The user.
    public var user: UUID
    /// The pinned account key: every authorized device of the user holds it.
    public var identityKey: X25519.PublicKey
    /// How far the key is trusted.
    public var trust: PinnedIdentity.Level
    /// `true` while a key change waits for the person to accept it and the policy refuses sending until then.
    public var sendBlocked: Bool
    /// The key the user's devices changed to, held while the change is refused (A2 rule 2); not yet trusted.
    public var pendingKey: X25519.PublicKey?
    /// When the key was first pinned.
    public var firstSeenAt: Date
    /// When the user was last marked verified (kept after a later change, so read it with ``trust``).
    public var verifiedAt: Date?
    /// When the user's account key last changed.
    public var changedAt: Date?

    /// A record from its parts.
    public init(
        user: UUID, identityKey: X25519.PublicKey, trust: PinnedIdentity.Level, sendBlocked: Bool,
        pendingKey: X25519.PublicKey? = nil, firstSeenAt: Date, verifiedAt: Date? = nil, changedAt: Date? = nil
    ) {
        self.user = user
        self.identityKey = identityKey
        self.trust = trust
        self.sendBlocked = sendBlocked
        self.pendingKey = pendingKey
        self.firstSeenAt = firstSeenAt
        self.verifiedAt = verifiedAt
        self.changedAt = changedAt
    }
}
