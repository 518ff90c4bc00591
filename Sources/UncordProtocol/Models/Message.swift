public import Foundation

/// A message as the server returns it and as `DM_MESSAGE_CREATE` / `DM_MESSAGE_UPDATE` carry it.
///
/// For an encrypted DM, ``content`` is the UEDM/1 ciphertext (base64) and ``messageKeys`` holds the wraps the
/// server had for the asking device, if any; dispatches carry none. Fields the server adds later are ignored.
public struct Message: Sendable, Equatable, Codable {
    /// The message's author as the server attests it.
    public struct Author: Sendable, Equatable, Codable {
        /// The author's user id.
        public var id: UUID
        /// The author's user name.
        public var username: String
        /// The author's display name, if set.
        public var displayName: String?
        /// The storage key of the author's avatar, if set.
        public var avatarKey: String?

        /// An author with the given fields.
        public init(id: UUID, username: String, displayName: String? = nil, avatarKey: String? = nil) {
            self.id = id
            self.username = username
            self.displayName = displayName
            self.avatarKey = avatarKey
        }

        private enum CodingKeys: String, CodingKey {
            case id
            case username
            case displayName = "display_name"
            case avatarKey = "avatar_key"
        }
    }

    /// The message id.
    public var id: UUID
    /// The channel the message is in.
    public var channelID: UUID
    /// Who wrote it.
    public var author: Author
    /// The text; for an encrypted DM, the base64 UEDM/1 content.
    public var content: String
    /// The attachments, kept as raw JSON (an empty array when absent or `null`).
    public var attachments: RawJSON
    /// The reaction summaries, kept as raw JSON (an empty array when absent or `null`).
    public var reactions: RawJSON
    /// The message this one replies to.
    public var replyToID: UUID?
    /// Whether the message is pinned.
    public var pinned: Bool
    /// Whether ``content`` is end-to-end encrypted.
    public var encrypted: Bool
    /// The content-key wraps delivered with the message, if the server sent any.
    public var messageKeys: [EncryptedMessageKey]?
    /// When the message was last edited.
    public var editedAt: Timestamp?
    /// When the message was created.
    public var createdAt: Timestamp

    /// A message with the given fields.
    public init(
        id: UUID, channelID: UUID, author: Author, content: String, attachments: RawJSON = .emptyArray,
        reactions: RawJSON = .emptyArray, replyToID: UUID? = nil, pinned: Bool = false, encrypted: Bool,
        messageKeys: [EncryptedMessageKey]? = nil, editedAt: Timestamp? = nil, createdAt: Timestamp
    ) {
        self.id = id
        self.channelID = channelID
        self.author = author
        self.content = content
        self.attachments = attachments
        self.reactions = reactions
        self.replyToID = replyToID
        self.pinned = pinned
        self.encrypted = encrypted
        self.messageKeys = messageKeys
        self.editedAt = editedAt
        self.createdAt = createdAt
    }

    /// The wrap addressed to `device`: the one naming it, or the one the server gave for "this device" (the empty
    /// `device_id` of a list asked for by that device). The one rule for which wrap is a device's.
    ///
    /// ```swift
    /// guard let wrap = message.wrap(for: myDevice) else { return .noKeyForThisDevice }
    /// ```
    public func wrap(for device: UUID) -> EncryptedMessageKey? {
        messageKeys?.first { $0.recipient == .thisDevice || $0.recipient == .device(device) }
    }

    private enum CodingKeys: String, CodingKey {
        case id
        case channelID = "channel_id"
        case author
        case content
        case attachments
        case reactions
        case replyToID = "reply_to_id"
        case pinned
        case encrypted
        case messageKeys = "message_keys"
        case editedAt = "edited_at"
        case createdAt = "created_at"
    }

    /// Reads a message; `attachments` and `reactions` may be absent or `null`, `pinned` absent means `false`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        channelID = try container.decode(UUID.self, forKey: .channelID)
        author = try container.decode(Author.self, forKey: .author)
        content = try container.decode(String.self, forKey: .content)
        attachments = try container.decodeIfPresent(RawJSON.self, forKey: .attachments) ?? .emptyArray
        reactions = try container.decodeIfPresent(RawJSON.self, forKey: .reactions) ?? .emptyArray
        replyToID = try container.decodeIfPresent(UUID.self, forKey: .replyToID)
        pinned = try container.decodeIfPresent(Bool.self, forKey: .pinned) ?? false
        encrypted = try container.decode(Bool.self, forKey: .encrypted)
        messageKeys = try container.decodeIfPresent([EncryptedMessageKey].self, forKey: .messageKeys)
        editedAt = try container.decodeIfPresent(Timestamp.self, forKey: .editedAt)
        createdAt = try container.decode(Timestamp.self, forKey: .createdAt)
    }
}
