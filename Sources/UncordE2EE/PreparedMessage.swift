public import Foundation
public import UncordRatchet
public import UncordStore

/// A send ready for `POST /dm/{channel}/messages`, queued in the store's outbox until ``E2EEEngine/markSent(_:messageID:)->()``.
public struct PreparedMessage: Sendable, Equatable {
    /// The outbox entry; its `body` is the exact request body, to be posted byte for byte (and again on a retry).
    public var entry: OutboxEntry
    /// The plaintext payload that was sealed.
    public var payload: MessagePayload
    /// Trust warnings met while judging device lists for this send.
    public var warnings: [TrustWarning]
    /// Every event met while judging device lists for this send, in order: trust warnings, refused devices
    /// (``AppEvent/deviceRefused(user:device:reason:)``), devices linked to this account. Hand them to the app.
    public var events: [AppEvent]

    /// The DM channel to post to.
    public var channel: UUID { entry.channel }
    /// The request body, byte for byte.
    public var body: [UInt8] { entry.body }
}
