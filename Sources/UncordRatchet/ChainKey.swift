package import UncordCrypto

/// The KDF chains of the Double Ratchet (PROTOCOL.md section 4).
package enum RatchetKDF {
    static let rootInfo = Array("UEDM1 Ratchet".utf8)
    static let messageKeysInfo = Array("UEDM1 MessageKeys".utf8)
    static let zeroSalt = [UInt8](repeating: 0, count: 32)
    /// The message keys' salt, its HMAC key set up once for every message.
    static let preparedZeroSalt = HKDF.PreparedSalt(zeroSalt)

    /// `KDF_RK(rk, dh) = HKDF(salt = rk, ikm = dh, info = "UEDM1 Ratchet", L = 64)` → (new root key, chain key).
    static func root(_ rootKey: SecureBytes, _ dhOutput: SecureBytes) throws(CryptoError) -> (SecureBytes, SecureBytes)
    {
        let out = try HKDF.deriveKey(salt: rootKey, ikm: dhOutput, info: rootInfo, length: 64)
        return (out.slice(0..<32), out.slice(32..<64))
    }

    /// `KDF_CK(ck)`: `ck' = HMAC(ck, 0x02)`, `mk = HMAC(ck, 0x01)`, from one HMAC key set-up.
    package static func chain(_ chainKey: SecureBytes) -> (next: SecureBytes, messageKey: SecureBytes) {
        HMACSHA256.authenticate(CollectionOfOne(UInt8(0x02)), CollectionOfOne(UInt8(0x01)), key: chainKey)
    }
}

/// The AEAD key and nonce of one message: `HKDF(0x00*32, mk, "UEDM1 MessageKeys", 56)`, the key its first 32
/// bytes and the nonce the last 24, kept together in one secret (``XChaCha20Poly1305/seal(_:keyAndNonce:authenticating:)``
/// reads both from it).
struct MessageKeys {
    let keyAndNonce: SecureBytes

    init(_ messageKey: SecureBytes) throws(CryptoError) {
        keyAndNonce = try HKDF.deriveKey(
            salt: RatchetKDF.preparedZeroSalt, ikm: messageKey, info: RatchetKDF.messageKeysInfo,
            length: XChaCha20Poly1305.keyAndNonceByteCount)
    }
}
