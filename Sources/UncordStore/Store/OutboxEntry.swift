public import Foundation
public import UncordRatchet

/// A send the server has not acknowledged yet: the exact request body, resent as it is on a retry, and the
/// plaintext payload it seals, recorded into the history once the server acknowledged the send.
public struct OutboxEntry: Sendable, Equatable {
    /// The outbox row.
    public var id: Int64
    /// The DM channel to post to.
    public var channel: UUID
    /// The `POST /dm/{channel}/messages` body, byte for byte.
    public var body: [UInt8]
    /// Trust notices raised while sealing.
    public var notices: [TrustNotice]
    /// The plaintext payload the body seals; `nil` only for rows queued before schema version 3, which did not
    /// keep it.
    public var payload: MessagePayload? = nil
}
