public import Foundation

/// The body of `POST /dm/{channel_id}/messages`: `{"content", "reply_to_id"?, "message_keys": [...]}`.
///
/// Every wrap in ``messageKeys`` must name its device by UUID; ``EncryptedMessageKey/Recipient/thisDevice`` is only
/// for wraps the server sends back.
public struct SendMessageRequest: Sendable, Equatable, Codable {
    /// The base64 UEDM/1 content.
    public var content: String
    /// The message this one replies to.
    public var replyToID: UUID?
    /// One content-key wrap per recipient device.
    public var messageKeys: [EncryptedMessageKey]

    /// A message to send.
    public init(content: String, replyToID: UUID? = nil, messageKeys: [EncryptedMessageKey]) {
        self.content = content
        self.replyToID = replyToID
        self.messageKeys = messageKeys
    }

    private enum CodingKeys: String, CodingKey {
        case content
        case replyToID = "reply_to_id"
        case messageKeys = "message_keys"
    }

    private enum WrapKeys: String, CodingKey {
        case deviceID = "device_id"
    }

    /// Reads the body; every wrap must name a device UUID.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        content = try container.decode(String.self, forKey: .content)
        replyToID = try container.decodeIfPresent(UUID.self, forKey: .replyToID)
        messageKeys = try container.decode([EncryptedMessageKey].self, forKey: .messageKeys)
        if let index = messageKeys.firstIndex(where: { $0.recipient == .thisDevice }) {
            let path: [any CodingKey] = [CodingKeys.messageKeys, WireCodingKey.index(index), WrapKeys.deviceID]
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: container.codingPath + path, debugDescription: "must be a device UUID"))
        }
    }

    /// Writes the body; every wrap must name a device UUID.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let index = messageKeys.firstIndex(where: { $0.recipient == .thisDevice }) {
            let path: [any CodingKey] = [CodingKeys.messageKeys, WireCodingKey.index(index), WrapKeys.deviceID]
            throw EncodingError.invalidValue(
                index,
                EncodingError.Context(
                    codingPath: container.codingPath + path, debugDescription: "must be a device UUID"))
        }
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(replyToID, forKey: .replyToID)
        try container.encode(messageKeys, forKey: .messageKeys)
    }
}
