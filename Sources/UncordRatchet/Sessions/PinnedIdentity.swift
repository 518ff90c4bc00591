public import UncordCrypto

/// The identity key pinned for one peer device, and how far it is trusted (PROTOCOL.md section 8).
public struct PinnedIdentity: Sendable, Hashable {
    /// How far a pinned key is trusted. The raw value is the level's one text, the same in the store's `trust`
    /// columns, the link payload's `trust` (PROTOCOL.md section 10), the vectors and the CLI's output; any other
    /// text (letter case counts) is no level.
    public enum Level: String, Sendable, Hashable {
        /// Pinned on first use, never compared out of band.
        case unverified
        /// The user compared safety numbers out of band.
        case verified
        /// Pinned after a key change the trust policy let through; the user has not looked at it yet.
        case changed
    }

    /// The pinned identity key.
    public var key: X25519.PublicKey
    /// How far it is trusted.
    public var level: Level

    /// A pin from its key and level.
    public init(key: X25519.PublicKey, level: Level) {
        self.key = key
        self.level = level
    }
}
