public import Foundation
public import UncordProtocol
public import UncordRatchet

/// What the engine hands the app for each gateway frame, in gateway order.
public enum AppEvent: Sendable, Equatable {
    /// A new DM message, decrypted.
    case message(DecryptedMessage)
    /// A DM message was edited; the new revision, decrypted.
    case messageEdited(DecryptedMessage)
    /// Its author deleted a DM message (an encrypted delete, ``E2EEEngine/prepareDelete(of:channel:participants:)``);
    /// its stored text is gone.
    case messageDeleted(id: UUID, channel: UUID)
    /// The server says it removed a stored DM message (DM_MESSAGE_DELETE). Only the author can delete a message,
    /// so the local copy is kept, marked (`StoredMessage.isRemovedByServer`).
    case messageRemovedByServer(id: UUID, channel: UUID)
    /// A DM message could not be decrypted; never dropped silently.
    case undecryptable(messageID: UUID, reason: UndecryptableReason)
    /// The server holds the same post under a second id (a send retried after its answer was lost, posted twice):
    /// message `id` carries exactly the content of `original`, which was handed over (or is this device's own
    /// send). Nothing is shown twice and nothing new is stored. Reported once.
    case duplicate(id: UUID, of: UUID)
    /// A user's account identity key changed, or the user's devices carry several keys at once
    /// (LINKED_DEVICES.md A2 rules 2 and 3).
    case trustWarning(TrustWarning)
    /// The server lists a device for `user` that is not authorized: it is never wrapped for, and its messages are
    /// never shown as the user's (LINKED_DEVICES.md A2). Reported once per device and identity key.
    case deviceRefused(user: UUID, device: UUID, reason: DeviceAuthorization.Reason)
    /// A device of this user's own account, holding the account key, is listed for the first time: someone linked
    /// it. If the person did not, the account key has leaked (LINKED_DEVICES.md A2).
    case ownDeviceLinked(device: UUID)
    /// `user` wrote in group DM `channel` without being a known member: they are not wrapped for until the app
    /// confirms them (``E2EEEngine/confirmMember(_:of:)``, or names them in a send). Reported once.
    case memberAdded(channel: UUID, user: UUID)
    /// The engine uploaded `count` one-time pre-keys to the server.
    case keysReplenished(count: Int)
    /// The server is diagnosed with a defect that no client can work around (Docs/UNCORD_SERVER.md section 3).
    /// Reported once per engine run, besides the events of the messages that showed it.
    case serverDiagnosis(ServerDiagnosis)
    /// A catch-up (READY or RESUMED receiving what this device missed) has handed over `received` of the `total`
    /// missed messages it found in `channel`; the messages' own events come as each is decrypted. Reported every
    /// 100 messages and once more at the end of the channel, where `received == total`.
    case catchUpProgress(channel: UUID, received: Int, total: Int)
    /// A catch-up could not read everything this device missed in `channel` (`nil`: the server's channel list), so
    /// some missed messages were not received this time; the next READY or RESUMED tries again. Never silent.
    case catchUpIncomplete(channel: UUID?, reason: CatchUpFailure)
    /// Any other frame, handed on unchanged: `bytes` are exactly the bytes given to the engine (or the frame's
    /// encoding when a `Frame` was given); `frame` is `nil` when the bytes are not a frame.
    case passthrough(bytes: [UInt8], frame: Frame?)
}

/// A server defect the engine recognised from what the server does (Docs/UNCORD_SERVER.md section 3).
public enum ServerDiagnosis: Sendable, Equatable, CustomStringConvertible {
    /// Messages that should carry a key for this device keep arriving without one, even when asked for by
    /// `X-Device-ID`: the published server's defect 2 stores no message keys, so nothing sent to this device can be
    /// read. Each such message is still reported as ``UndecryptableReason/noKeyForThisDevice``.
    case messageKeysNotDelivered

    /// One line for the person, pointing at the notes.
    public var description: String {
        switch self {
        case .messageKeysNotDelivered:
            "the server does not deliver message keys to this device: see Docs/UNCORD_SERVER.md (messages from "
                + "known peers keep arriving without a key for it)"
        }
    }
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
    /// The trust of the identity key of the session that decrypted it: the user's pin's level when that key is the
    /// pin (`verified` for this user's other devices), `changed` for a key the pin has since replaced; `nil` for
    /// this device's own sends echoed back.
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
    /// The wrap was made with an identity key that is not the sender's account key, even after judging the
    /// sender's device list again: a device the user did not link (LINKED_DEVICES.md A2).
    case foreignIdentityKey
    /// The wrap was made with a key that is not the sender's pin (or the sender is new) and the sender's device
    /// list could not be fetched to judge it now; nothing was stored, and the next catch-up tries again.
    case identityUnconfirmed
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

/// A user's account identity key changed (LINKED_DEVICES.md A2): the pin moved to the new key (`sendingBlocked`
/// `false`), or the new key is held until the person accepts it (`true`); or the user's devices carry several keys
/// and nothing is pinned (``currentFingerprint`` `nil`).
public struct TrustWarning: Sendable, Equatable {
    /// The user.
    public var user: UUID
    /// The 30-digit fingerprint of the previously pinned key; `nil` at first contact.
    public var previousFingerprint: String?
    /// The 30-digit fingerprint of the new key; `nil` when the devices carry several keys (ambiguous).
    public var currentFingerprint: String?
    /// `true` when sending to the user is now refused until the change is accepted.
    public var sendingBlocked: Bool

    /// A warning from its parts.
    public init(user: UUID, previousFingerprint: String?, currentFingerprint: String?, sendingBlocked: Bool) {
        self.user = user
        self.previousFingerprint = previousFingerprint
        self.currentFingerprint = currentFingerprint
        self.sendingBlocked = sendingBlocked
    }
}
