/// Reads and writes the JSON bodies of the Uncord wire: REST bodies and the payloads of gateway frames.
///
/// Decoding first checks that the text is exactly one strict RFC 8259 JSON value, then decodes it with rules the
/// wire needs: integers are plain integer literals, UUIDs are canonical (either letter case), a field the type reads
/// must not appear twice, and fields the type does not know are ignored. Every failure is a ``ProtocolError`` that
/// names the field. Encoding writes members in the order each type lists them and UUIDs in lowercase.
///
/// ```swift
/// let bundle = try WireJSON.decode(DataEnvelope<UserKeyBundle>.self, from: responseBody).data
/// let body = try WireJSON.encode(UpdateIdentityKeyRequest(identityKey: publicKey))
/// ```
public enum WireJSON {
    /// Decodes a value of type `T` from the JSON text `bytes`.
    /// - Throws: ``ProtocolError/notJSON(offset:reason:)`` when the text is not JSON, otherwise the field case that
    ///   names what was missing, mistyped or malformed.
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: some Collection<UInt8>
    ) throws(ProtocolError) -> T {
        let text = Array(bytes)
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw .notJSON(offset: error.offset, reason: error.reason)
        }
        return try decode(type, node: root, in: text)
    }

    /// Decodes a value of type `T` from `node`, one value of the tree parsed from `text`; error paths are relative
    /// to it.
    static func decode<T: Decodable>(_ type: T.Type, node: JSONNode, in text: [UInt8]) throws(ProtocolError) -> T {
        do {
            return try WireDecoder(bytes: text, node: node, codingPath: []).decodeValue(type)
        } catch let error as DecodingError {
            throw protocolError(for: error)
        } catch {
            throw .malformedField(path: "", reason: "\(type) refused the value (\(Swift.type(of: error)))")
        }
    }

    /// Decodes a value of type `T` from JSON text.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws(ProtocolError) -> T {
        try decode(type, from: Array(text.utf8))
    }

    /// Encodes `value` as compact JSON text.
    /// - Throws: ``ProtocolError/malformedField(path:reason:)`` when a field cannot be written as the wire requires,
    ///   for example a 31-byte key.
    public static func encode(_ value: some Encodable) throws(ProtocolError) -> [UInt8] {
        let encoder = WireEncoder(value: EncodedValue(), codingPath: [])
        do {
            try encoder.encodeValue(value)
        } catch let error as EncodingError {
            switch error {
            case .invalidValue(_, let context):
                throw .malformedField(path: context.codingPath.wirePath, reason: context.debugDescription)
            @unknown default:
                throw .malformedField(path: "", reason: "cannot be encoded")
            }
        } catch {
            throw .malformedField(path: "", reason: "cannot be encoded (\(Swift.type(of: error)))")
        }
        var out: [UInt8] = []
        encoder.value.write(to: &out)
        return out
    }

    /// The ``ProtocolError`` that says the same as a `DecodingError`.
    static func protocolError(for error: DecodingError) -> ProtocolError {
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(path: (context.codingPath + [key]).wirePath)
        case .valueNotFound(_, let context):
            return .missingField(path: context.codingPath.wirePath)
        case .typeMismatch(let type, let context):
            return .wrongType(path: context.codingPath.wirePath, expected: WireDecoder.kindName(of: type))
        case .dataCorrupted(let context):
            return .malformedField(path: context.codingPath.wirePath, reason: context.debugDescription)
        @unknown default:
            return .malformedField(path: "", reason: "cannot be decoded")
        }
    }
}
