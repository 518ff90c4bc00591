import Foundation

/// A `Decoder` over a tree from ``JSONParser``, used by ``WireJSON``.
///
/// It is stricter than Foundation's `JSONDecoder` where the wire needs it: an integer must be a plain integer literal
/// (`1.0` and `1e2` are refused), a UUID must be in canonical 8-4-4-4-12 form (either letter case), and a key the
/// type reads must not appear twice. Every error it throws carries the full coding path of the field.
struct WireDecoder: Decoder {
    /// The whole text the tree was parsed from, so raw slices can be taken.
    let bytes: [UInt8]
    /// The value this decoder reads.
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// A decoder for `child`, one step below this one.
    func child(_ child: JSONNode, key: any CodingKey) -> WireDecoder {
        WireDecoder(bytes: bytes, node: child, codingPath: codingPath + [key])
    }

    /// The exact bytes of the value this decoder reads.
    var rawBytes: [UInt8] {
        Array(bytes[node.range])
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node.kind else { throw mismatch([String: Any].self) }
        return KeyedDecodingContainer(WireKeyedDecodingContainer<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = node.kind else { throw mismatch([Any].self) }
        return WireUnkeyedDecodingContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        WireSingleValueDecodingContainer(decoder: self)
    }

    // MARK: - Values

    /// The error for a value of the wrong JSON kind (`null` counts as a missing value).
    func mismatch(_ expected: Any.Type) -> DecodingError {
        let context = DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "expected \(WireDecoder.kindName(of: expected)), found \(node.kindName)")
        if case .null = node.kind {
            return DecodingError.valueNotFound(expected, context)
        }
        return DecodingError.typeMismatch(expected, context)
    }

    /// A value that has the right kind but is not acceptable.
    func corrupted(_ reason: String) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: reason))
    }

    var isNull: Bool {
        if case .null = node.kind { return true }
        return false
    }

    func decodeBool() throws -> Bool {
        guard case .bool(let value) = node.kind else { throw mismatch(Bool.self) }
        return value
    }

    func decodeString() throws -> String {
        guard case .string(let value) = node.kind else { throw mismatch(String.self) }
        return value
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number = node.kind else { throw mismatch(T.self) }
        let literal = bytes[node.range]
        let isPlain = !literal.contains {
            $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
        guard isPlain else { throw corrupted("must be an integer") }
        guard let value = T(String(decoding: literal, as: UTF8.self)) else {
            throw corrupted("must be an integer in \(T.min)…\(T.max)")
        }
        return value
    }

    func decodeFloat<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type) throws -> T {
        guard case .number = node.kind else { throw mismatch(T.self) }
        guard let value = T(String(decoding: bytes[node.range], as: UTF8.self)), value.isFinite else {
            throw corrupted("is out of range for a \(T.self)")
        }
        return value
    }

    func decodeUUID() throws -> UUID {
        guard let uuid = UUID(wireText: try decodeString()) else { throw corrupted("is not a UUID") }
        return uuid
    }

    /// Decodes any value, routing the types the wire treats specially.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == UUID.self, let uuid = try decodeUUID() as? T {
            return uuid
        }
        return try T(from: self)
    }

    /// How errors name the JSON kind a Swift type is read from.
    static func kindName(of type: Any.Type) -> String {
        if type == String.self || type == UUID.self { return "a string" }
        if type == Bool.self { return "a boolean" }
        if type is any BinaryInteger.Type { return "an integer" }
        if type is any BinaryFloatingPoint.Type { return "a number" }
        if type == [Any].self { return "an array" }
        if type == [String: Any].self { return "an object" }
        return "a \(type) value"
    }
}

extension UUID {
    /// Reads a UUID in canonical 8-4-4-4-12 hex form, in either letter case; `nil` for anything else.
    init?(wireText text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        for (offset, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard byte.isHexDigit else { return nil }
            }
        }
        self.init(uuidString: text)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
