/// One JSON value kept as the exact bytes it had in the text it came from.
///
/// A frame's `d` is held this way, so a frame the engine does not touch reaches the app byte for byte. A `RawJSON`
/// is always one well-formed JSON value. As a field of a ``WireJSON`` type it decodes to the value's exact bytes and
/// encodes them unchanged; other coders (such as Foundation's `JSONDecoder`) cannot carry raw bytes and refuse it.
///
/// ```swift
/// let data = try RawJSON(validating: #"{"heartbeat_interval": 41250}"#)
/// let hello = try data.decode(as: Hello.self)
/// ```
public struct RawJSON: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The JSON text, exactly as it was received or written.
    public let bytes: [UInt8]

    /// An empty JSON array, `[]`.
    public static let emptyArray = RawJSON(unchecked: Array("[]".utf8))

    /// Wraps `bytes` after checking that they are exactly one JSON value (surrounding whitespace is kept).
    /// - Throws: ``ProtocolError/notJSON(offset:reason:)``.
    public init(validating bytes: some Collection<UInt8>) throws(ProtocolError) {
        let bytes = Array(bytes)
        do {
            _ = try JSONParser.parse(bytes)
        } catch {
            throw .notJSON(offset: error.offset, reason: error.reason)
        }
        self.bytes = bytes
    }

    /// Wraps the UTF-8 of `text` after checking that it is exactly one JSON value.
    public init(validating text: String) throws(ProtocolError) {
        try self.init(validating: Array(text.utf8))
    }

    /// The JSON text of `value` as ``WireJSON`` writes it.
    public init(encoding value: some Encodable) throws(ProtocolError) {
        self.bytes = try WireJSON.encode(value)
    }

    /// Wraps bytes already known to be one JSON value.
    init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Decodes the value with ``WireJSON``; error paths are relative to this value.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws(ProtocolError) -> T {
        try WireJSON.decode(type, from: bytes)
    }

    /// The JSON text as a string.
    public var text: String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The size only: the contents may be private (a token, a message), so they stay out of logs.
    public var description: String {
        "RawJSON(\(bytes.count) bytes)"
    }

    /// Takes the exact bytes of the value being decoded; works only under ``WireJSON``.
    public init(from decoder: any Decoder) throws {
        guard let wire = decoder as? WireDecoder else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "RawJSON can only be decoded by WireJSON"))
        }
        self.bytes = wire.rawBytes
    }

    /// Writes the bytes unchanged; works only under ``WireJSON``.
    public func encode(to encoder: any Encoder) throws {
        guard let wire = encoder as? WireEncoder else {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: encoder.codingPath, debugDescription: "RawJSON can only be encoded by WireJSON"))
        }
        wire.text(bytes)
    }
}
