/// The keyed container of ``WireEncoder``: writes the members of a JSON object.
struct WireKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: WireEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    /// Writes one member with `write`, which fills in the member's encoder.
    private func member(_ key: Key, _ write: (WireEncoder) throws -> Void) rethrows {
        let child = encoder.child(key: key)
        try write(child)
        encoder.value.setMember(key.stringValue, child.value)
    }

    mutating func encodeNil(forKey key: Key) { member(key) { $0.text(Array("null".utf8)) } }
    mutating func encode(_ value: Bool, forKey key: Key) { member(key) { $0.text(Array("\(value)".utf8)) } }
    mutating func encode(_ value: String, forKey key: Key) { member(key) { $0.string(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { try member(key) { try $0.float(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { try member(key) { try $0.float(value) } }
    mutating func encode(_ value: Int, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) { member(key) { $0.integer(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try member(key) { try $0.encodeValue(value) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = encoder.child(key: key)
        encoder.value.setMember(key.stringValue, child.value)
        return child.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = encoder.child(key: key)
        encoder.value.setMember(key.stringValue, child.value)
        return child.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = encoder.child(key: WireCodingKey.superKey)
        encoder.value.setMember(WireCodingKey.superKey.stringValue, child.value)
        return child
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = encoder.child(key: key)
        encoder.value.setMember(key.stringValue, child.value)
        return child
    }
}

/// The unkeyed container of ``WireEncoder``: appends the elements of a JSON array.
struct WireUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: WireEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.value.elementCount }

    /// Appends one element written by `write`.
    private func element(_ write: (WireEncoder) throws -> Void) rethrows {
        let child = encoder.child(key: WireCodingKey.index(count))
        try write(child)
        encoder.value.appendElement(child.value)
    }

    mutating func encodeNil() { element { $0.text(Array("null".utf8)) } }
    mutating func encode(_ value: Bool) { element { $0.text(Array("\(value)".utf8)) } }
    mutating func encode(_ value: String) { element { $0.string(value) } }
    mutating func encode(_ value: Double) throws { try element { try $0.float(value) } }
    mutating func encode(_ value: Float) throws { try element { try $0.float(value) } }
    mutating func encode(_ value: Int) { element { $0.integer(value) } }
    mutating func encode(_ value: Int8) { element { $0.integer(value) } }
    mutating func encode(_ value: Int16) { element { $0.integer(value) } }
    mutating func encode(_ value: Int32) { element { $0.integer(value) } }
    mutating func encode(_ value: Int64) { element { $0.integer(value) } }
    mutating func encode(_ value: UInt) { element { $0.integer(value) } }
    mutating func encode(_ value: UInt8) { element { $0.integer(value) } }
    mutating func encode(_ value: UInt16) { element { $0.integer(value) } }
    mutating func encode(_ value: UInt32) { element { $0.integer(value) } }
    mutating func encode(_ value: UInt64) { element { $0.integer(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws { try element { try $0.encodeValue(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = encoder.child(key: WireCodingKey.index(count))
        encoder.value.appendElement(child.value)
        return child.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = encoder.child(key: WireCodingKey.index(count))
        encoder.value.appendElement(child.value)
        return child.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = encoder.child(key: WireCodingKey.index(count))
        encoder.value.appendElement(child.value)
        return child
    }
}

/// The single-value container of ``WireEncoder``.
struct WireSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: WireEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() { encoder.text(Array("null".utf8)) }
    mutating func encode(_ value: Bool) { encoder.text(Array("\(value)".utf8)) }
    mutating func encode(_ value: String) { encoder.string(value) }
    mutating func encode(_ value: Double) throws { try encoder.float(value) }
    mutating func encode(_ value: Float) throws { try encoder.float(value) }
    mutating func encode(_ value: Int) { encoder.integer(value) }
    mutating func encode(_ value: Int8) { encoder.integer(value) }
    mutating func encode(_ value: Int16) { encoder.integer(value) }
    mutating func encode(_ value: Int32) { encoder.integer(value) }
    mutating func encode(_ value: Int64) { encoder.integer(value) }
    mutating func encode(_ value: UInt) { encoder.integer(value) }
    mutating func encode(_ value: UInt8) { encoder.integer(value) }
    mutating func encode(_ value: UInt16) { encoder.integer(value) }
    mutating func encode(_ value: UInt32) { encoder.integer(value) }
    mutating func encode(_ value: UInt64) { encoder.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}
