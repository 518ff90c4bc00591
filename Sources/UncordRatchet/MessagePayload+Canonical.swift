import Foundation

extension MessagePayload {
    /// The payload of exactly the bytes ``encoded()`` writes — members in its order, strings without escapes — read
    /// without the `Codable` machinery; `nil` for anything else (other member order, an escape, white space, an
    /// unknown member, a version other than `1`), which the general decoder then reads or refuses. For the bytes it
    /// accepts, the result is the general decoder's (a test compares the two on valid and damaged payloads).
    static func decodeCanonical(_ bytes: [UInt8]) -> MessagePayload? {
        var reader = CanonicalReader(bytes: bytes)
        guard reader.take("{\"v\":1,\"type\":"), let type = reader.string(),
            reader.take(",\"body\":"), let body = reader.string(),
            reader.take(",\"sender_device\":"), let sender = reader.uuid(),
            reader.take(",\"sent_at\":"), let sentAt = reader.string()
        else { return nil }
        var replyTo: UUID?
        var editOf: UUID?
        if reader.take(",\"reply_to\":") {
            guard let id = reader.uuid() else { return nil }
            replyTo = id
        }
        if reader.take(",\"edit_of\":") {
            guard let id = reader.uuid() else { return nil }
            editOf = id
        }
        guard reader.take("}"), reader.atEnd else { return nil }
        return MessagePayload(
            type: type, body: body, senderDevice: sender, sentAt: sentAt, replyTo: replyTo, editOf: editOf)
    }
}

/// Reads the fixed shape ``MessagePayload/decodeCanonical(_:)`` accepts.
private struct CanonicalReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset == bytes.count }

    /// Consumes `literal` if the bytes continue with it.
    mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - offset >= count else { return false }
        for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] { return false }
        offset += count
        return true
    }

    /// A quoted string with no escape and no control character, as valid UTF-8.
    mutating func string() -> String? {
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { return nil }
        var end = offset + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            guard bytes[end] >= 0x20, bytes[end] != UInt8(ascii: "\\") else { return nil }
            end += 1
        }
        guard end < bytes.count, let text = String(validating: bytes[(offset + 1)..<end], as: UTF8.self) else {
            return nil
        }
        offset = end + 1
        return text
    }

    /// A quoted UUID in canonical 8-4-4-4-12 hex form, either letter case (what the wire decoder accepts).
    mutating func uuid() -> UUID? {
        let start = offset
        guard let text = string(), text.utf8.count == 36 else {
            offset = start
            return nil
        }
        for (position, byte) in text.utf8.enumerated() {
            let isHyphen = position == 8 || position == 13 || position == 18 || position == 23
            let isHex =
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            guard isHyphen ? byte == UInt8(ascii: "-") : isHex else { return nil }
        }
        return UUID(uuidString: text)
    }
}
