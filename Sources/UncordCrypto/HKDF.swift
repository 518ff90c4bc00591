public import Foundation

/// HKDF-SHA-256 (RFC 5869), built on ``HMACSHA256``.
///
/// ```swift
/// let sk = try HKDF.deriveKey(salt: [UInt8](repeating: 0, count: 32), ikm: secret, info: Array("UEDM1 X3DH".utf8), length: 32)
/// ```
public enum HKDF {
    /// The largest output RFC 5869 allows for SHA-256: 255 blocks of 32 bytes.
    public static let maximumLength = 255 * HMACSHA256.byteCount

    /// Extract then expand: `length` bytes of output keying material.
    /// - Throws: ``CryptoError/invalidParameter(_:)`` when `length` is not in `0...8160`.
    public static func deriveKey(
        salt: some ContiguousBytes, ikm: some ContiguousBytes, info: some ContiguousBytes, length: Int
    ) throws(CryptoError) -> SecureBytes {
        let prk = extract(salt: salt, ikm: ikm)
        return try expand(prk: prk, info: info, length: length)
    }

    /// `PRK = HMAC(salt, IKM)`. An empty salt acts as 32 zero bytes, as HMAC pads keys with zeros.
    public static func extract(salt: some ContiguousBytes, ikm: some ContiguousBytes) -> SecureBytes {
        HMACSHA256(key: salt).authenticate(ikm)
    }

    /// `T(1) || T(2) || …` truncated to `length`, where `T(i) = HMAC(PRK, T(i−1) || info || i)`.
    public static func expand(
        prk: some ContiguousBytes, info: some ContiguousBytes, length: Int
    ) throws(CryptoError) -> SecureBytes {
        guard (0...maximumLength).contains(length) else {
            throw .invalidParameter("HKDF length must be in 0...\(maximumLength), got \(length)")
        }
        let mac = HMACSHA256(key: prk)
        return SecureBytes(count: length) { out in
            var previous = SecureBytes(copying: [UInt8]())
            var offset = 0
            var counter: UInt8 = 1
            while offset < length {
                let block = mac.authenticate(parts: [previous, info, [counter]])
                let take = Swift.min(block.count, length - offset)
                block.withUnsafeBytes { (out.bytes + offset).update(from: $0.bytes, count: take) }
                offset += take
                counter &+= 1
                previous = block
            }
        }
    }
}
