/// The name of a dispatch event, carried in a dispatch frame's `t` field.
///
/// Every name Uncord defines has a case; any other name becomes ``unknown(_:)`` holding the exact text, so
/// `DispatchEvent(rawValue: "FOO").rawValue == "FOO"` and a frame with an event this version does not know still
/// reaches the app. Two values are equal when their names are, so `.unknown("READY") == .ready`.
///
/// ```swift
/// let event = DispatchEvent(rawValue: "DM_MESSAGE_CREATE")   // .dmMessageCreate
/// ```
public enum DispatchEvent: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// `READY`: The session is open after an identify; the payload holds the session id, the user and the starting
    /// state.
    case ready
    /// `RESUMED`: A resume worked. The development server, like Discord-style gateways, replays the events missed
    /// while away first and sends RESUMED after them; a client must accept either order.
    case resumed
    /// `MESSAGE_CREATE`: Someone posted a message in a server channel.
    case messageCreate
    /// `MESSAGE_UPDATE`: A message in a server channel was edited.
    case messageUpdate
    /// `MESSAGE_DELETE`: A message in a server channel was removed.
    case messageDelete
    /// `CHANNEL_CREATE`: A server channel was added.
    case channelCreate
    /// `CHANNEL_UPDATE`: A server channel's settings changed.
    case channelUpdate
    /// `CHANNEL_DELETE`: A server channel was removed.
    case channelDelete
    /// `MEMBER_ADD`: A user joined the server.
    case memberAdd
    /// `MEMBER_UPDATE`: A member's nickname or roles changed.
    case memberUpdate
    /// `MEMBER_REMOVE`: A member left the server or was removed from it.
    case memberRemove
    /// `ROLE_CREATE`: A role was added.
    case roleCreate
    /// `ROLE_UPDATE`: A role's settings changed.
    case roleUpdate
    /// `ROLE_DELETE`: A role was removed.
    case roleDelete
    /// `PRESENCE_UPDATE`: A user's online status changed.
    case presenceUpdate
    /// `TYPING_START`: A user started typing in a channel (ephemeral: usually no sequence number).
    case typingStart
    /// `TYPING_STOP`: A user stopped typing, on purpose or because their message went out.
    case typingStop
    /// `MESSAGE_ACK`: The user's read position in a channel moved.
    case messageAck
    /// `REACTION_ADD`: Someone reacted to a message.
    case reactionAdd
    /// `REACTION_REMOVE`: Someone took a reaction back.
    case reactionRemove
    /// `THREAD_CREATE`: A thread was started.
    case threadCreate
    /// `THREAD_UPDATE`: A thread's settings changed.
    case threadUpdate
    /// `THREAD_DELETE`: A thread was removed.
    case threadDelete
    /// `DM_CHANNEL_CREATE`: A direct-message channel (one-to-one or group) now includes the user; the payload is a
    /// ``DMChannel``.
    case dmChannelCreate
    /// `DM_MESSAGE_CREATE`: A direct message was sent; the payload is a ``Message`` whose content is end-to-end
    /// encrypted.
    case dmMessageCreate
    /// `DM_MESSAGE_UPDATE`: A direct message was edited; the payload is the updated ``Message``.
    case dmMessageUpdate
    /// `DM_MESSAGE_DELETE`: A direct message was removed; the payload is a ``MessageDelete``.
    case dmMessageDelete
    /// `KEY_BUNDLE_LOW`: One of the user's devices is running out of one-time pre-keys on the server; the payload is a
    /// ``KeyBundleLow``.
    case keyBundleLow
    /// `IDENTITY_KEY_CHANGED`: A DM peer registered a device or replaced a device's identity key; the payload is an
    /// ``IdentityKeyChanged``.
    case identityKeyChanged
    /// `INVITE_CREATE`: An invite link was made.
    case inviteCreate
    /// `INVITE_DELETE`: An invite link was revoked or ran out.
    case inviteDelete
    /// `WEBHOOK_UPDATE`: A webhook was added, changed or removed.
    case webhookUpdate
    /// `EMOJI_UPDATE`: The server's custom emoji changed.
    case emojiUpdate
    /// `SERVER_UPDATE`: The server's settings changed.
    case serverUpdate
    /// `SLASH_COMMAND_INVOCATION`: Someone ran a slash command.
    case slashCommandInvocation
    /// A name this version does not define, kept exactly as it arrived.
    case unknown(String)

    /// Every event name Uncord defines (35), in the order of Uncord's own list.
    public static let allKnown: [DispatchEvent] = [
        .ready, .resumed, .messageCreate, .messageUpdate, .messageDelete, .channelCreate, .channelUpdate,
        .channelDelete, .memberAdd, .memberUpdate, .memberRemove, .roleCreate, .roleUpdate, .roleDelete,
        .presenceUpdate, .typingStart, .typingStop, .messageAck, .reactionAdd, .reactionRemove, .threadCreate,
        .threadUpdate, .threadDelete, .dmChannelCreate, .dmMessageCreate, .dmMessageUpdate, .dmMessageDelete,
        .keyBundleLow, .identityKeyChanged, .inviteCreate, .inviteDelete, .webhookUpdate, .emojiUpdate, .serverUpdate,
        .slashCommandInvocation,
    ]

    /// Reads a name; a name Uncord does not define becomes ``unknown(_:)``.
    public init(rawValue: String) {
        switch rawValue {
        case "READY": self = .ready
        case "RESUMED": self = .resumed
        case "MESSAGE_CREATE": self = .messageCreate
        case "MESSAGE_UPDATE": self = .messageUpdate
        case "MESSAGE_DELETE": self = .messageDelete
        case "CHANNEL_CREATE": self = .channelCreate
        case "CHANNEL_UPDATE": self = .channelUpdate
        case "CHANNEL_DELETE": self = .channelDelete
        case "MEMBER_ADD": self = .memberAdd
        case "MEMBER_UPDATE": self = .memberUpdate
        case "MEMBER_REMOVE": self = .memberRemove
        case "ROLE_CREATE": self = .roleCreate
        case "ROLE_UPDATE": self = .roleUpdate
        case "ROLE_DELETE": self = .roleDelete
        case "PRESENCE_UPDATE": self = .presenceUpdate
        case "TYPING_START": self = .typingStart
        case "TYPING_STOP": self = .typingStop
        case "MESSAGE_ACK": self = .messageAck
        case "REACTION_ADD": self = .reactionAdd
        case "REACTION_REMOVE": self = .reactionRemove
        case "THREAD_CREATE": self = .threadCreate
        case "THREAD_UPDATE": self = .threadUpdate
        case "THREAD_DELETE": self = .threadDelete
        case "DM_CHANNEL_CREATE": self = .dmChannelCreate
        case "DM_MESSAGE_CREATE": self = .dmMessageCreate
        case "DM_MESSAGE_UPDATE": self = .dmMessageUpdate
        case "DM_MESSAGE_DELETE": self = .dmMessageDelete
        case "KEY_BUNDLE_LOW": self = .keyBundleLow
        case "IDENTITY_KEY_CHANGED": self = .identityKeyChanged
        case "INVITE_CREATE": self = .inviteCreate
        case "INVITE_DELETE": self = .inviteDelete
        case "WEBHOOK_UPDATE": self = .webhookUpdate
        case "EMOJI_UPDATE": self = .emojiUpdate
        case "SERVER_UPDATE": self = .serverUpdate
        case "SLASH_COMMAND_INVOCATION": self = .slashCommandInvocation
        default: self = .unknown(rawValue)
        }
    }

    /// The name as it appears on the wire.
    public var rawValue: String {
        switch self {
        case .ready: "READY"
        case .resumed: "RESUMED"
        case .messageCreate: "MESSAGE_CREATE"
        case .messageUpdate: "MESSAGE_UPDATE"
        case .messageDelete: "MESSAGE_DELETE"
        case .channelCreate: "CHANNEL_CREATE"
        case .channelUpdate: "CHANNEL_UPDATE"
        case .channelDelete: "CHANNEL_DELETE"
        case .memberAdd: "MEMBER_ADD"
        case .memberUpdate: "MEMBER_UPDATE"
        case .memberRemove: "MEMBER_REMOVE"
        case .roleCreate: "ROLE_CREATE"
        case .roleUpdate: "ROLE_UPDATE"
        case .roleDelete: "ROLE_DELETE"
        case .presenceUpdate: "PRESENCE_UPDATE"
        case .typingStart: "TYPING_START"
        case .typingStop: "TYPING_STOP"
        case .messageAck: "MESSAGE_ACK"
        case .reactionAdd: "REACTION_ADD"
        case .reactionRemove: "REACTION_REMOVE"
        case .threadCreate: "THREAD_CREATE"
        case .threadUpdate: "THREAD_UPDATE"
        case .threadDelete: "THREAD_DELETE"
        case .dmChannelCreate: "DM_CHANNEL_CREATE"
        case .dmMessageCreate: "DM_MESSAGE_CREATE"
        case .dmMessageUpdate: "DM_MESSAGE_UPDATE"
        case .dmMessageDelete: "DM_MESSAGE_DELETE"
        case .keyBundleLow: "KEY_BUNDLE_LOW"
        case .identityKeyChanged: "IDENTITY_KEY_CHANGED"
        case .inviteCreate: "INVITE_CREATE"
        case .inviteDelete: "INVITE_DELETE"
        case .webhookUpdate: "WEBHOOK_UPDATE"
        case .emojiUpdate: "EMOJI_UPDATE"
        case .serverUpdate: "SERVER_UPDATE"
        case .slashCommandInvocation: "SLASH_COMMAND_INVOCATION"
        case .unknown(let name): name
        }
    }

    /// Whether this is one of the names in ``allKnown``.
    public var isKnown: Bool {
        if case .unknown = DispatchEvent(rawValue: rawValue) { return false }
        return true
    }

    /// The wire name.
    public var description: String { rawValue }

    /// Two events are equal when their wire names are.
    public static func == (lhs: DispatchEvent, rhs: DispatchEvent) -> Bool {
        lhs.rawValue == rhs.rawValue
    }

    /// Hashes the wire name.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawValue)
    }
}
