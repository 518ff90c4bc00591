public import Foundation
public import UncordCrypto

/// One recipient device's copy of a message's content key (Uncord's `message_keys[].encrypted_key`).
///
/// The ratchet-encrypted value is `CK (32) || SHA-256(content_bytes) (32)`, binding the wrap to exactly one
/// content. Two forms:
/// - ratchet wrap: `0x01 || uuid(sender_device) || header (41) || ciphertext (80)` = 138 bytes;
/// - pre-key wrap: `0x02 || uuid(sender_device) || IK_A.pub || EK_A.pub || u32be(spk_id) || u32be(opk_id, 0 = none)
///   || header (41) || ciphertext (80)` = 210 bytes, sent until the session has heard from the peer.
public struct KeyWrap: Sendable, Hashable {
    /// The X3DH fields a pre-key wrap carries.
    public struct PreKeyFields: Sendable, Hashable {
        /// The initiator's identity key.
        public var identityKey: X25519.PublicKey
        /// The initiator's ephemeral key.
        public var ephemeralKey: X25519.PublicKey
        /// The responder's signed pre-key id.
        public var signedPreKeyID: UInt32
        /// The responder's one-time pre-key id, `nil` when the bundle had none.
        public var oneTimePreKeyID: UInt32?

        /// Pre-key fields from their parts.
        public init(
            identityKey: X25519.PublicKey, ephemeralKey: X25519.PublicKey, signedPreKeyID: UInt32,
            oneTimePreKeyID: UInt32?
        ) {
            self.identityKey = identityKey
            self.ephemeralKey = ephemeralKey
            self.signedPreKeyID = signedPreKeyID
            self.oneTimePreKeyID = oneTimePreKeyID
        }
    }

    /// Size of a ratchet wrap.
    public static let ratchetByteCount = 138
    /// Size of a pre-key wrap.
    public static let preKeyByteCount = 210
    /// Size of the ratchet ciphertext inside a wrap: 64 bytes of plaintext and the tag.
    static let ciphertextByteCount = 80

    /// The device that sent the message.
    public var senderDevice: UUID
    /// Present on pre-key wraps.
    public var preKey: PreKeyFields?
    /// The ratchet message carrying `CK || digest`.
    public var message: RatchetMessage

    /// A wrap from its parts.
    public init(senderDevice: UUID, preKey: PreKeyFields?, message: RatchetMessage) {
        self.senderDevice = senderDevice
        self.preKey = preKey
        self.message = message
    }

    /// Reads a wrap, checking its exact length.
    public init(parsing bytes: some Collection<UInt8>) throws(RatchetError) {
        let bytes = Array(bytes)
        guard let kind = bytes.first else { throw .malformed("an empty key wrap") }
        let expected: Int
        switch kind {
        case 0x01: expected = Self.ratchetByteCount
        case 0x02: expected = Self.preKeyByteCount
        default: throw .malformed("unknown key wrap type \(kind)")
        }
        guard bytes.count == expected else {
            throw .malformed("a type \(kind) key wrap is \(expected) bytes, got \(bytes.count)")
        }
        senderDevice = UUID(rfc4122Bytes: bytes[1..<17])
        var offset = 17
        if kind == 0x02 {
            let (identity, ephemeral) = try RatchetError.wrapping { () throws(CryptoError) in
                (try X25519.PublicKey(bytes: bytes[17..<49]), try X25519.PublicKey(bytes: bytes[49..<81]))
            }
            let opk = UInt32(bigEndianBytes: bytes[85..<89])
            preKey = PreKeyFields(
                identityKey: identity, ephemeralKey: ephemeral, signedPreKeyID: UInt32(bigEndianBytes: bytes[81..<85]),
                oneTimePreKeyID: opk == 0 ? nil : opk)
            offset = 89
        }
        let header = try RatchetHeader(parsing: bytes[offset..<(offset + RatchetHeader.byteCount)])
        message = RatchetMessage(header: header, ciphertext: Array(bytes[(offset + RatchetHeader.byteCount)...]))
    }

    /// The encoded wrap.
    public var encoded: [UInt8] {
        let message = message
        return Self.encoded(
            senderDevice: senderDevice, preKey: preKey,
            messageByteCount: RatchetHeader.byteCount + message.ciphertext.count
        ) { (out) throws(Never) in
            message.header.write(into: out)
            message.ciphertext.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: out[RatchetHeader.byteCount...]).copyMemory(from: $0)
            }
        }
    }

    /// The bytes of a wrap whose ratchet message (header, then ciphertext: `messageByteCount` bytes) `writeMessage`
    /// writes in place: one array, with no ciphertext or header array made on the way.
    static func encoded<E: Error>(
        senderDevice: UUID, preKey: PreKeyFields?, messageByteCount: Int,
        writingMessage writeMessage: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) -> [UInt8] {
        let messageOffset = preKey == nil ? 17 : 89
        return try [UInt8](count: messageOffset + messageByteCount) { (out) throws(E) in
            out[0] = preKey == nil ? 0x01 : 0x02
            senderDevice.writeRFC4122Bytes(into: UnsafeMutableRawBufferPointer(rebasing: out[1..<17]))
            if let preKey {
                preKey.identityKey.bytes.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: out[17..<49]).copyMemory(from: $0)
                }
                preKey.ephemeralKey.bytes.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: out[49..<81]).copyMemory(from: $0)
                }
                out.storeBytes(of: preKey.signedPreKeyID.bigEndian, toByteOffset: 81, as: UInt32.self)
                out.storeBytes(of: (preKey.oneTimePreKeyID ?? 0).bigEndian, toByteOffset: 85, as: UInt32.self)
            }
            try writeMessage(UnsafeMutableRawBufferPointer(rebasing: out[messageOffset...]))
        }
    }

    /// The value a wrap encrypts: `CK || SHA-256(content)`.
    /// - Throws: ``RatchetError/crypto(_:)`` when `contentKey` is not 32 bytes.
    public static func plaintext(contentKey: SecureBytes, content: [UInt8]) throws(RatchetError) -> SecureBytes {
        guard contentKey.count == XChaCha20Poly1305.keyByteCount else {
            throw .crypto(
                .invalidLength(what: "content key", expected: XChaCha20Poly1305.keyByteCount, actual: contentKey.count))
        }
        return try RatchetError.wrapping { () throws(CryptoError) in
            try SecureBytes(count: 64) { (buffer) throws(CryptoError) in
                contentKey.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[0..<32]).copyMemory(from: $0)
                }
                try SHA256.hash(content, into: UnsafeMutableRawBufferPointer(rebasing: buffer[32..<64]))
            }
        }
    }

    /// Takes `CK` out of a decrypted wrap after checking that its digest matches `content`.
    /// - Throws: ``RatchetError/authenticationFailed(_:)`` (``RatchetError/AuthenticationReason/contentDigest``).
    public static func contentKey(from plaintext: SecureBytes, content: [UInt8]) throws(RatchetError) -> SecureBytes {
        guard plaintext.count == 64 else { throw .malformed("a wrapped value is 64 bytes, got \(plaintext.count)") }
        guard plaintext.slice(32..<64) == SecureBytes(copying: SHA256.hash(content)) else {
            throw .authenticationFailed(.contentDigest)
        }
        return plaintext.slice(0..<32)
    }
}

extension UUID {
    /// A UUID from its 16 raw bytes in RFC 4122 order.
    init(rfc4122Bytes bytes: ArraySlice<UInt8>) {
        let b = Array(bytes)
        self.init(
            uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
        )
    }
}
