public import Foundation
public import UncordCrypto
public import UncordRatchet

/// The outcome of ``SQLiteStore/receive(_:using:)->ReceivedMessage``.
public struct ReceivedMessage: Sendable, Equatable {
    /// The message, decrypted now or read back from the store.
    public var message: StoredMessage
    /// `true` when the id was already stored: the stored payload came back and no session was touched.
    public var wasAlreadyStored: Bool
    /// Trust notices raised while opening it (a first pin, an accepted key change).
    public var notices: [TrustNotice]
    /// The identity key of the session that decrypted it; `nil` when it was already stored.
    public var identityKey: X25519.PublicKey? = nil
    /// What the message's author is to the channel's members, when it was not a member yet.
    public var membership: MembershipChange? = nil
    /// For the author's encrypted delete: the message it deleted.
    public var deleted: UUID? = nil
    /// For a second copy of a post (the server holds the same content and wrap under two ids): the id stored,
    /// whose message ``message`` is. Nothing was decrypted, stored or touched.
    public var duplicateOf: UUID? = nil
}
