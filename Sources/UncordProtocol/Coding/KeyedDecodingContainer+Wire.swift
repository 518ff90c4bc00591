import Foundation
import UncordCrypto

/// The largest key id the wire allows, 2^31 − 1.
let maximumKeyID: UInt32 = 0x7FFF_FFFF

/// Why `bytes` cannot be a field that must hold `count` bytes (any non-empty length when `count` is `nil`).
func byteLengthProblem(_ bytes: [UInt8], count: Int?) -> String? {
    if let count, bytes.count != count { return "must be \(count) bytes, got \(bytes.count)" }
    if count == nil, bytes.isEmpty { return "must not be empty" }
    return nil
}

extension KeyedDecodingContainer {
    /// Reads a base64 field (standard alphabet, padded or not) that must hold exactly `count` bytes, or any
    /// non-empty length when `count` is `nil`.
    func decodeBase64(forKey key: Key, count: Int? = nil) throws -> [UInt8] {
        let text = try decode(String.self, forKey: key)
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(text)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "is not base64 (standard alphabet)")
        }
        if let problem = byteLengthProblem(bytes, count: count) {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: problem)
        }
        return bytes
    }

    /// Like ``decodeBase64(forKey:count:)``, with `nil` for an absent or `null` field.
    func decodeBase64IfPresent(forKey key: Key, count: Int? = nil) throws -> [UInt8]? {
        guard try isPresent(key) else { return nil }
        return try decodeBase64(forKey: key, count: count)
    }

    /// Reads a pre-key id, which must be an integer in 1…2^31−1.
    func decodeKeyID(forKey key: Key) throws -> UInt32 {
        let value = try decode(Int64.self, forKey: key)
        guard value >= 1, value <= Int64(maximumKeyID) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "must be a key id in 1…\(maximumKeyID)")
        }
        return UInt32(value)
    }

    /// Like ``decodeKeyID(forKey:)``, with `nil` for an absent or `null` field.
    func decodeKeyIDIfPresent(forKey key: Key) throws -> UInt32? {
        guard try isPresent(key) else { return nil }
        return try decodeKeyID(forKey: key)
    }

    /// Reads an integer that must not be negative.
    func decodeCount<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = try decode(type, forKey: key)
        guard value >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must not be negative")
        }
        return value
    }

    /// Whether the field is there with a value other than `null`.
    func isPresent(_ key: Key) throws -> Bool {
        guard contains(key) else { return false }
        return try !decodeNil(forKey: key)
    }
}

extension KeyedEncodingContainer {
    /// Writes bytes as unpadded base64 after the same length check that reading applies.
    mutating func encodeBase64(_ bytes: [UInt8], forKey key: Key, count: Int? = nil) throws {
        if let problem = byteLengthProblem(bytes, count: count) {
            throw EncodingError.invalidValue(
                bytes.count, EncodingError.Context(codingPath: codingPath + [key], debugDescription: problem))
        }
        try encode(Base64.encode(bytes), forKey: key)
    }

    /// Writes a pre-key id after checking that it is in 1…2^31−1.
    mutating func encodeKeyID(_ id: UInt32, forKey key: Key) throws {
        guard id >= 1, id <= maximumKeyID else {
            throw EncodingError.invalidValue(
                id,
                EncodingError.Context(
                    codingPath: codingPath + [key], debugDescription: "must be a key id in 1…\(maximumKeyID)"))
        }
        try encode(id, forKey: key)
    }

    /// Fails with the reason when a value cannot be written as the wire requires.
    func refuse(_ key: Key, _ reason: String) -> EncodingError {
        EncodingError.invalidValue(
            key.stringValue, EncodingError.Context(codingPath: codingPath + [key], debugDescription: reason))
    }
}
