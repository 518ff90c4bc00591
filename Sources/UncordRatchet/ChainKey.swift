import Foundation
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

    /// `KDF_CK(ck)`: `ck' = HMAC(ck, 0x02)`, `mk = HMAC(ck, 0x01)`, from one HMAC key set-up; both kept as secrets
    /// (a skipped message key is stored).
    package static func chain(_ chainKey: SecureBytes) -> (next: SecureBytes, messageKey: SecureBytes) {
        HMACSHA256.authenticate(CollectionOfOne(UInt8(0x02)), CollectionOfOne(UInt8(0x01)), key: chainKey)
    }

    /// One message of a chain: `KDF_CK(ck)`, then the message's AEAD key and nonce from `mk`
    /// (``withMessageKeys(_:_:)``), handed to `body`. `mk`, the key and the nonce live in temporary memory wiped
    /// when `body` returns; once `body` has succeeded, `chainKey` becomes `ck'` (written over the old key when no
    /// other copy shares it, ``SecureBytes/replace(with:)``). When `body` throws, `chainKey` is unchanged.
    static func step<Output>(
        _ chainKey: inout SecureBytes, _ body: (_ keyAndNonce: UnsafeRawBufferPointer) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        try SecureBytes.withTemporaryBytes(count: stepScratchCount) { (scratch) throws(RatchetError) in
            let (next, keyAndNonce) = try derive(chainKey, into: scratch)
            let output = try body(keyAndNonce)
            chainKey.replace(with: next)
            return output
        }
    }

    /// ``step(_:_:)`` for a receive, whose plaintext is accepted after the step: `open` gets the message's AEAD key
    /// and nonce and returns the plaintext, and `ck'` is written to `next` (32 bytes the caller owns and wipes)
    /// instead of over `chainKey`, which the caller replaces once the plaintext was accepted. Nothing here is
    /// generic over the caller's result, so a generic caller looks up no type metadata for it.
    /// - Throws: ``RatchetError/crypto(_:)`` when `next` is not 32 bytes; whatever `open` throws.
    static func step(
        _ chainKey: SecureBytes, writingNextTo next: UnsafeMutableRawBufferPointer,
        opening open: (_ keyAndNonce: UnsafeRawBufferPointer) throws(RatchetError) -> SecureBytes
    ) throws(RatchetError) -> SecureBytes {
        guard next.count == HMACSHA256.byteCount else {
            throw .crypto(.invalidLength(what: "next chain key", expected: HMACSHA256.byteCount, actual: next.count))
        }
        return try SecureBytes.withTemporaryBytes(count: stepScratchCount) {
            (scratch) throws(RatchetError) -> SecureBytes in
            let (derived, keyAndNonce) = try derive(chainKey, into: scratch)
            let plaintext = try open(keyAndNonce)
            next.copyMemory(from: derived)
            return plaintext
        }
    }

    /// The bytes a step works in: `ck'` in 0..<32, `mk` in 32..<64, then the message's AEAD key and nonce.
    private static var stepScratchCount: Int { 2 * HMACSHA256.byteCount + XChaCha20Poly1305.keyAndNonceByteCount }

    /// `KDF_CK(chainKey)` and the message's AEAD key and nonce from `mk`, written into `scratch` (laid out as
    /// ``stepScratchCount`` says): answers `ck'` and the key and nonce, both inside `scratch`.
    @inline(__always)
    private static func derive(
        _ chainKey: SecureBytes, into scratch: UnsafeMutableRawBufferPointer
    ) throws(RatchetError) -> (next: UnsafeRawBufferPointer, keyAndNonce: UnsafeRawBufferPointer) {
        let tagsCount = 2 * HMACSHA256.byteCount
        let tags = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<tagsCount])
        let keyAndNonce = UnsafeMutableRawBufferPointer(rebasing: scratch[tagsCount...])
        try RatchetError.wrapping { () throws(CryptoError) in
            try HMACSHA256.authenticate(byte: 0x02, byte: 0x01, key: chainKey, into: tags)
            try deriveMessageKeys(UnsafeRawBufferPointer(rebasing: tags[HMACSHA256.byteCount...]), into: keyAndNonce)
        }
        return (UnsafeRawBufferPointer(rebasing: tags[0..<HMACSHA256.byteCount]), UnsafeRawBufferPointer(keyAndNonce))
    }

    /// Runs `body` with the AEAD key and nonce of one message, `HKDF(0x00*32, mk, "UEDM1 MessageKeys", 56)`: the
    /// key its first 32 bytes and the nonce the last 24, together in temporary memory wiped when `body` returns
    /// (``XChaCha20Poly1305/seal(_:keyAndNonce:authenticating:)`` reads both from it).
    static func withMessageKeys<Output>(
        _ messageKey: SecureBytes, _ body: (_ keyAndNonce: UnsafeRawBufferPointer) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        try SecureBytes.withTemporaryBytes(count: XChaCha20Poly1305.keyAndNonceByteCount) {
            (keyAndNonce) throws(RatchetError) in
            try RatchetError.wrapping { () throws(CryptoError) in try deriveMessageKeys(messageKey, into: keyAndNonce) }
            return try body(UnsafeRawBufferPointer(keyAndNonce))
        }
    }

    /// The message keys of a chain step's `mk`, through HKDF's non-generic entry point.
    private static func deriveMessageKeys(
        _ messageKey: UnsafeRawBufferPointer, into keyAndNonce: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try HKDF.deriveKey(salt: preparedZeroSalt, ikm: messageKey, info: messageKeysInfo, into: keyAndNonce)
    }

    /// The message keys of a stored (skipped) message key.
    private static func deriveMessageKeys(
        _ messageKey: SecureBytes, into keyAndNonce: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try HKDF.deriveKey(salt: preparedZeroSalt, ikm: messageKey, info: messageKeysInfo, into: keyAndNonce)
    }
}
