import Foundation

/// A value being built by ``WireEncoder``; a reference, so nested containers write into their parent in place.
final class EncodedValue {
    enum Content {
        /// Nothing was written; serialised as `{}`, as `JSONEncoder` does.
        case empty
        /// Finished JSON text: a literal, a string, a number, or raw bytes from ``RawJSON``.
        case text([UInt8])
        case array([EncodedValue])
        /// Members in the order they were first written; writing a key again replaces its value.
        case object(keys: [String], values: [String: EncodedValue])
    }

    var content: Content = .empty

    /// Appends this value's JSON text to `out`.
    func write(to out: inout [UInt8]) {
        switch content {
        case .empty:
            out.append(contentsOf: Array("{}".utf8))
        case .text(let text):
            out.append(contentsOf: text)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let keys, let values):
            out.append(UInt8(ascii: "{"))
            for (offset, key) in keys.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                values[key]?.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Sets `value` as member `key`, making this value an object first if it is not one.
    func setMember(_ key: String, _ value: EncodedValue) {
        guard case .object(var keys, var values) = content else {
            content = .object(keys: [key], values: [key: value])
            return
        }
        content = .empty  // drop the enum's reference so the updates below happen in place
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
        content = .object(keys: keys, values: values)
    }

    /// Appends `value` as an element, making this value an array first if it is not one.
    func appendElement(_ value: EncodedValue) {
        guard case .array(var items) = content else {
            content = .array([value])
            return
        }
        content = .empty  // drop the enum's reference so the append happens in place
        items.append(value)
        content = .array(items)
    }

    /// The number of elements when this is an array.
    var elementCount: Int {
        if case .array(let items) = content { return items.count }
        return 0
    }
}

/// An `Encoder` that builds an ``EncodedValue`` tree, used by ``WireJSON``.
///
/// It writes members in the order the type encodes them, UUIDs as lowercase canonical text, ``RawJSON`` byte for
/// byte, and strings with only the escapes JSON requires.
struct WireEncoder: Encoder {
    /// The value this encoder writes into.
    let value: EncodedValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = value.content {} else { value.content = .object(keys: [], values: [:]) }
        return KeyedEncodingContainer(WireKeyedEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = value.content {} else { value.content = .array([]) }
        return WireUnkeyedEncodingContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        WireSingleValueEncodingContainer(encoder: self)
    }

    /// An encoder for a new child value one step below this one.
    func child(key: any CodingKey) -> WireEncoder {
        WireEncoder(value: EncodedValue(), codingPath: codingPath + [key])
    }

    // MARK: - Values

    func text(_ bytes: [UInt8]) {
        value.content = .text(bytes)
    }

    func string(_ string: String) {
        text(JSONText.quoted(string))
    }

    func integer(_ integer: some FixedWidthInteger) {
        text(Array(String(integer).utf8))
    }

    func float<T: BinaryFloatingPoint & LosslessStringConvertible>(_ number: T) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(
                number, EncodingError.Context(codingPath: codingPath, debugDescription: "is not a finite number"))
        }
        text(Array(String(number).utf8))
    }

    /// Encodes any value, routing the types the wire treats specially.
    func encodeValue(_ encodable: some Encodable) throws {
        if let uuid = encodable as? UUID {
            string(uuid.wireText)
        } else {
            try encodable.encode(to: self)
        }
    }
}
