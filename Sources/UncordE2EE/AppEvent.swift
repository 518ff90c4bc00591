public import Foundation
public import UncordProtocol
public import UncordRatchet

/// What the engine hands the app for each gateway frame, in gateway order.
public enum AppEvent: Sendable, Equatable {
    /// A new DM message, decrypted.
    case message(DecryptedMessage)
    /// A DM message was edited; the new revision, decrypted.
    case messageEdited(DecryptedMessage)
    /// A DM message was deleted; its stored text is gone.
    case messageDeleted(id: UUID, channel: UUID)
    /// A DM message could not be decrypted; never dropped silently.
    case undecryptable(messageID: UUID, reason: UndecryptableReason)
    /// A peer device's identity key changed.
    case trustWarning(TrustWarning)
    /// A device never seen before for a user this device already knew.
    case newDevice(DeviceAddress)
    /// The engine uploaded `count` one-time pre-keys to the server.
    case keysReplenished(count: Int)
    /// Any other frame, handed on unchanged: `bytes` are exactly the bytes given to the engine (or the frame's
    /// encoding when a ``UncordProtocol/Frame`` was given); `frame` is `nil` when the bytes are not a frame.
    case passthrough(bytes: [UInt8], frame: Frame?)
}

/// A decrypted DM message.
public struct DecryptedMessage: Sendable, Equatable {
    /// The server's message id.
    public var id: UUID
    /// The DM channel.
    public var channel: UUID
    /// The author's user (attested by the server) and device (from the key wrap).
    public var sender: DeviceAddress
    /// The decrypted payload: `type`, `body`, `sent_at`, `reply_to`, `edit_of`.
    public var payload: MessagePayload
    /// The trust level of the sending device's pin; `nil` for this user's own sends echoed back.
    public var trust: PinnedIdentity.Level?
    /// The server's `edited_at`, for an edit.
    public var editedAt: String?
}

/// Why a DM message could not be decrypted.
public enum UndecryptableReason: Sendable, Equatable {
    /// The message carries no key wrap for this device, even after fetching it from the server.
    case noKeyForThisDevice
    /// The sending device's identity key changed and the trust policy refused it.
    case identityChanged
    /// The wrap needs a session this device does not have.
    case noSession
    /// A pre-key wrap names a one-time or signed pre-key this device does not have (consumed, expired: a replay sign).
    case unknownPreKey
    /// The message was already decrypted and its key is gone (a replay).
    case duplicate
    /// A tag, digest or sender check failed.
    case authenticationFailed
    /// The content, the wrap or the payload is malformed.
    case malformed
    /// The local store failed.
    case storage
}

/// A peer device's identity key changed (PROTOCOL.md section 8).
public struct TrustWarning: Sendable, Equatable {
    /// The device.
    public var device: DeviceAddress
    /// The 30-digit fingerprint of the previously pinned key.
    public var previousFingerprint: String
    /// The 30-digit fingerprint of the new key.
    public var currentFingerprint: String
    /// `true` when sending to the user is now refused until the change is accepted.
    public var sendingBlocked: Bool
}
