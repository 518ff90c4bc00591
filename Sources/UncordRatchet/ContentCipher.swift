public import Foundation
public import UncordCrypto

/// The content of a UEDM/1 message (Uncord's `content` field), encrypted once for every recipient:
/// `0x01 || nonce (24) || AEAD(CK, nonce, pad(payload), "UEDM1 Content" || uuid(channel) || uuid(author))`.
public enum ContentCipher {
    /// The content format's version byte.
    public static let version: UInt8 = 0x01
    /// Uncord's limit on `content`, in characters of base64.
    public static let maximumCharacters = 4000
    static let adPrefix = Array("UEDM1 Content".utf8)

    /// The base64 length of the content a payload of `count` bytes makes.
    public static func contentCharacters(forPayloadOf count: Int) -> Int {
        let bytes =
            1 + XChaCha20Poly1305.nonceByteCount + (count / Padding.blockSize + 1) * Padding.blockSize
            + XChaCha20Poly1305.tagByteCount
        return (bytes * 4 + 2) / 3
    }

    /// Encrypts a payload. Throws ``RatchetError/messageTooLong(characters:)`` before doing anything when the
    /// content would pass 4000 characters.
    public static func seal(
        payload: some ContiguousBytes, contentKey: SecureBytes, nonce: [UInt8], channel: UUID, author: UUID
    ) throws(RatchetError) -> [UInt8] {
        let count = payload.withUnsafeBytes { $0.count }
        let characters = contentCharacters(forPayloadOf: count)
        guard characters <= maximumCharacters else { throw .messageTooLong(characters: characters) }
        return try RatchetError.wrapping { () throws(CryptoError) in
            let padded = try Padding.pad(payload)
            let sealedOffset = 1 + nonce.count
            return try [UInt8](count: sealedOffset + padded.count + XChaCha20Poly1305.tagByteCount) {
                (out) throws(CryptoError) in
                out[0] = version
                nonce.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: out[1..<sealedOffset]).copyMemory(from: $0)
                }
                try withAssociatedData(channel: channel, author: author) { (ad) throws(CryptoError) in
                    try XChaCha20Poly1305.seal(
                        padded, key: contentKey, nonce: nonce, authenticating: ad,
                        into: UnsafeMutableRawBufferPointer(rebasing: out[sealedOffset...]))
                }
            }
        }
    }

    /// Decrypts content and removes its padding. The author is the one the server attests for the message.
    /// Content above Uncord's 4000 characters, which no sender can post, is refused before anything else.
    public static func open(
        _ content: [UInt8], contentKey: SecureBytes, channel: UUID, author: UUID
    ) throws(RatchetError) -> SecureBytes {
        let characters = (content.count * 4 + 2) / 3
        guard characters <= maximumCharacters else {
            throw .malformed("content is \(content.count) bytes (\(characters) characters), above \(maximumCharacters)")
        }
        let minimum = 1 + XChaCha20Poly1305.nonceByteCount + Padding.blockSize + XChaCha20Poly1305.tagByteCount
        guard content.count >= minimum else { throw .malformed("content is \(content.count) bytes, below \(minimum)") }
        guard content[0] == version else { throw .malformed("unknown content version \(content[0])") }
        let nonce = Array(content[1..<25])
        do {
            let padded = try withAssociatedData(channel: channel, author: author) { (ad) throws(CryptoError) in
                try XChaCha20Poly1305.open(content[25...], key: contentKey, nonce: nonce, authenticating: ad)
            }
            return try Padding.unpad(padded)
        } catch .authenticationFailed {
            throw .authenticationFailed(.contentTag)
        } catch .invalidPadding {
            throw .malformed("content padding")
        } catch {
            throw .crypto(error)
        }
    }

    /// Runs `body` with the content's associated data, `"UEDM1 Content" || uuid(channel) || uuid(author)`, built
    /// on the stack rather than in new arrays.
    static func withAssociatedData<R>(
        channel: UUID, author: UUID, _ body: (UnsafeRawBufferPointer) throws(CryptoError) -> R
    ) throws(CryptoError) -> R {
        let prefix = adPrefix.count
        return try withUnsafeTemporaryAllocation(byteCount: prefix + 32, alignment: 1) {
            (buffer) throws(CryptoError) -> R in
            adPrefix.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<prefix]).copyMemory(from: $0)
            }
            channel.writeRFC4122Bytes(into: UnsafeMutableRawBufferPointer(rebasing: buffer[prefix..<(prefix + 16)]))
            author.writeRFC4122Bytes(into: UnsafeMutableRawBufferPointer(rebasing: buffer[(prefix + 16)...]))
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }
}
