public import UncordCrypto

/// What ``SQLiteStore/rotateIdentity(oneTimePreKeys:)`` changed.
public struct IdentityRotation: Sendable, Equatable {
    /// The identity key peers had pinned.
    public var previousIdentityKey: X25519.PublicKey
    /// The new identity key.
    public var identityKey: X25519.PublicKey
    /// The new signed pre-key, signed by the new identity key.
    public var signedPreKey: SignedPreKeyRecord
    /// How many one-time pre-keys were made; the unconsumed old ones are kept (they stay on the server).
    public var oneTimePreKeys: Int
    /// How many peer devices' session records were archived.
    public var archivedSessions: Int
}
