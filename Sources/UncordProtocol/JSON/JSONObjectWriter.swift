public import Foundation

/// Writes one flat JSON object directly, member by member, in exactly the bytes ``WireJSON/encode(_:)`` writes for
/// a type that encodes the same members in the same order: compact, strings escaped as ``WireJSON`` escapes them,
/// UUIDs as lowercase canonical text. For hot paths (a message payload is encoded on every receive) where the
/// `Codable` machinery costs more than the writing.
///
/// ```swift
/// var writer = JSONObjectWriter()
/// writer.member("v", integer: 1)
/// writer.member("body", string: "hi")
/// let bytes = writer.finish()   // {"v":1,"body":"hi"}
/// ```
public struct JSONObjectWriter {
    private var out: [UInt8] = [UInt8(ascii: "{")]

    /// An empty object.
    public init(capacity: Int = 128) {
        out.reserveCapacity(capacity)
    }

    /// Appends `"key":"value"`.
    public mutating func member(_ key: String, string value: String) {
        start(key)
        JSONText.appendQuoted(value, to: &out)
    }

    /// Appends `"key":value` for an integer.
    public mutating func member(_ key: String, integer value: Int) {
        start(key)
        out.append(contentsOf: String(value).utf8)
    }

    /// Appends `"key":"uuid"`, the UUID in lowercase canonical text.
    public mutating func member(_ key: String, uuid value: UUID) {
        start(key)
        // Written from the stack: no string is made for the text.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: UUID.wireTextCount) { text in
            let count = value.writeWireText(into: text)
            JSONText.appendQuoted(utf8: UnsafeBufferPointer(rebasing: text[..<count]), to: &out)
        }
    }

    /// The object's bytes.
    public mutating func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    private mutating func start(_ key: String) {
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        JSONText.appendQuoted(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }
}
