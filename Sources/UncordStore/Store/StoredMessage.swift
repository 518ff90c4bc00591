public import Foundation
public import UncordRatchet

/// A decrypted message as the store keeps it.
public struct StoredMessage: Sendable, Equatable {
    /// The server's message id.
    public var id: UUID
    /// The DM channel.
    public var channel: UUID
    /// The author's user and device.
    public var sender: DeviceAddress
    /// The decrypted payload (the latest revision of an edited message; an empty body once deleted).
    public var payload: MessagePayload
    /// The server's `edited_at` of the latest revision, when the message was edited.
    public var editedAt: String? = nil
    /// `true` once its author deleted it (an encrypted delete, `MessagePayload.deleteType`); its text and
    /// revisions are gone.
    public var isDeleted = false
    /// `true` once the server said it removed the message (DM_MESSAGE_DELETE): only the author can delete, so the
    /// local copy is kept, marked.
    public var isRemovedByServer = false
}
