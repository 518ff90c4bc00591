public import Foundation
import UncordProtocol

/// The plaintext of a UEDM/1 message (PROTOCOL.md section 5): UTF-8 JSON
/// `{"v":1,"type":"text","body":"…","sender_device":"<uuid>","sent_at":"<RFC 3339>"}`, plus optional `reply_to`
/// and, for an edit, `edit_of`. Fields a receiver does not know are ignored; a `type` other than `text` is handed to
/// the app as it is.
public struct MessagePayload: Sendable, Equatable, Codable {
    /// The payload version; always 1 in UEDM/1.
    public static let version = 1
    /// The `type` of an author's encrypted delete: `edit_of` names the deleted message, `body` is empty. Uncord has
    /// no DM delete route, so a delete travels in-band like an edit (the project's extension of section 5; a
    /// receiver that does not know the type shows it as such).
    public static let deleteType = "delete"

    /// The `type` of a session recovery's control message (issue 16): its sender could not decrypt messages from
    /// some device (its session was lost, or forked by a restored backup) and has started a new session with it;
    /// `body` is empty. Receiving it through the new session makes that session the active one (PROTOCOL.md
    /// section 6), which is all the recipient has to do. Never shown as a message (the project's extension of
    /// section 5; a receiver that does not know the type shows it as such).
    public static let sessionResetType = "session_reset"

    /// The payload type; `text` is the only one UEDM/1 defines.
    public var type: String
    /// The message text.
    public var body: String
    /// The device that wrote the message; must equal the wrap's sender device.
    public var senderDevice: UUID
    /// When the sender wrote it, RFC 3339.
    public var sentAt: String
    /// The message this one replies to.
    public var replyTo: UUID?
    /// For an edit: the message it replaces.
    public var editOf: UUID?

    /// A payload from its fields.
    public init(
        type: String = "text", body: String, senderDevice: UUID, sentAt: String, replyTo: UUID? = nil,
        editOf: UUID? = nil
    ) {
        self.type = type
        self.body = body
        self.senderDevice = senderDevice
        self.sentAt = sentAt
        self.replyTo = replyTo
        self.editOf = editOf
    }

    enum CodingKeys: String, CodingKey {
        case version = "v", type, body, senderDevice = "sender_device", sentAt = "sent_at", replyTo = "reply_to"
        case editOf = "edit_of"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.version else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "must be 1")
        }
        type = try container.decode(String.self, forKey: .type)
        body = try container.decode(String.self, forKey: .body)
        senderDevice = try container.decode(UUID.self, forKey: .senderDevice)
        sentAt = try container.decode(String.self, forKey: .sentAt)
        replyTo = try container.decodeIfPresent(UUID.self, forKey: .replyTo)
        editOf = try container.decodeIfPresent(UUID.self, forKey: .editOf)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.version, forKey: .version)
        try container.encode(type, forKey: .type)
        try container.encode(body, forKey: .body)
        try container.encode(senderDevice, forKey: .senderDevice)
        try container.encode(sentAt, forKey: .sentAt)
        try container.encodeIfPresent(replyTo, forKey: .replyTo)
        try container.encodeIfPresent(editOf, forKey: .editOf)
    }

    /// The exact UTF-8 JSON bytes, members in the order above, UUIDs in lower case: what `WireJSON.encode(_:)`
    /// writes for ``encode(to:)``, written directly (a test holds the two equal).
    public func encoded() throws(RatchetError) -> [UInt8] {
        var writer = JSONObjectWriter(capacity: body.utf8.count + 160)
        writer.member(CodingKeys.version.stringValue, integer: Self.version)
        writer.member(CodingKeys.type.stringValue, string: type)
        writer.member(CodingKeys.body.stringValue, string: body)
        writer.member(CodingKeys.senderDevice.stringValue, uuid: senderDevice)
        writer.member(CodingKeys.sentAt.stringValue, string: sentAt)
        if let replyTo { writer.member(CodingKeys.replyTo.stringValue, uuid: replyTo) }
        if let editOf { writer.member(CodingKeys.editOf.stringValue, uuid: editOf) }
        return writer.finish()
    }

    /// Reads and validates a payload.
    /// - Throws: ``RatchetError/invalidPayload(field:reason:)`` naming the field.
    public init(decoding bytes: some Collection<UInt8>) throws(RatchetError) {
        if let canonical = Self.decodeCanonical(Array(bytes)) {
            self = canonical
            return
        }
        do {
            self = try WireJSON.decode(MessagePayload.self, from: bytes)
        } catch {
            throw .invalidPayload(field: Self.field(of: error), reason: error.description)
        }
    }

    private static func field(of error: ProtocolError) -> String {
        switch error {
        case .missingField(let path), .wrongType(let path, _), .malformedField(let path, _): path
        case .notJSON, .invalidFrame: ""
        }
    }
}
