import CSodium
public import Foundation

/// XChaCha20-Poly1305-IETF authenticated encryption (`crypto_aead_xchacha20poly1305_ietf_*`).
///
/// ```swift
/// let sealed = try XChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce, authenticating: ad)
/// let opened = try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, authenticating: ad)
/// ```
public enum XChaCha20Poly1305 {
    /// Key size in bytes.
    public static let keyByteCount = 32
    /// Nonce size in bytes.
    public static let nonceByteCount = 24
    /// Tag size in bytes.
    public static let tagByteCount = 16

    /// Encrypts and authenticates: returns `ciphertext || tag`.
    public static func seal(
        _ plaintext: some ContiguousBytes, key: SecureBytes, nonce: some ContiguousBytes,
        authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce)
        try Sodium.ensureInitialized()
        let count = plaintext.withUnsafeBytes { $0.count }
        var out = [UInt8](repeating: 0, count: count + tagByteCount)
        var written: UInt64 = 0
        let code = plaintext.withUnsafeBytes { p in
            ad.withUnsafeBytes { a in
                nonce.withUnsafeBytes { n in
                    key.withUnsafeBytes { k in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            &out, &written, p.bytes, UInt64(p.count),
                            a.bytes, UInt64(a.count), nil,
                            n.bytes, k.bytes)
                    }
                }
            }
        }
        try Sodium.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return out
    }

    /// Checks the tag and decrypts. The plaintext comes back as ``SecureBytes``.
    /// - Throws: ``CryptoError/authenticationFailed(_:)`` (``AuthenticationFailure/aeadTagMismatch``) when the
    ///   ciphertext, key, nonce or associated data do not match.
    public static func open(
        _ sealed: some ContiguousBytes, key: SecureBytes, nonce: some ContiguousBytes,
        authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> SecureBytes {
        try checkSizes(key: key, nonce: nonce)
        try Sodium.ensureInitialized()
        let count = sealed.withUnsafeBytes { $0.count }
        guard count >= tagByteCount else { throw .authenticationFailed(.aeadTagMismatch) }
        return try SecureBytes(count: count - tagByteCount) {
            (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            var written: UInt64 = 0
            let code = sealed.withUnsafeBytes { c in
                ad.withUnsafeBytes { a in
                    nonce.withUnsafeBytes { n in
                        key.withUnsafeBytes { k in
                            crypto_aead_xchacha20poly1305_ietf_decrypt(
                                out.bytes, &written, nil,
                                c.bytes, UInt64(c.count),
                                a.bytes, UInt64(a.count),
                                n.bytes, k.bytes)
                        }
                    }
                }
            }
            try Sodium.check(code, or: .authenticationFailed(.aeadTagMismatch))
        }
    }

    /// The byte count of ``seal(_:keyAndNonce:authenticating:)``'s key material: the key, then the nonce.
    public static let keyAndNonceByteCount = keyByteCount + nonceByteCount

    /// ``seal(_:key:nonce:authenticating:)`` with the key and nonce read from one secret, `key (32) || nonce (24)`,
    /// as a KDF derives them together; neither is copied out of it.
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when `keyAndNonce` is not 56 bytes.
    public static func seal(
        _ plaintext: some ContiguousBytes, keyAndNonce: SecureBytes, authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> [UInt8] {
        try checkKeyAndNonce(keyAndNonce)
        try Sodium.ensureInitialized()
        let count = plaintext.withUnsafeBytes { $0.count }
        var out = [UInt8](repeating: 0, count: count + tagByteCount)
        var written: UInt64 = 0
        let code = plaintext.withUnsafeBytes { p in
            ad.withUnsafeBytes { a in
                keyAndNonce.withUnsafeBytes { material in
                    crypto_aead_xchacha20poly1305_ietf_encrypt(
                        &out, &written, p.bytes, UInt64(p.count), a.bytes, UInt64(a.count), nil,
                        material.bytes + keyByteCount, material.bytes)
                }
            }
        }
        try Sodium.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return out
    }

    /// ``open(_:key:nonce:authenticating:)`` with the key and nonce read from one secret, `key (32) || nonce (24)`.
    /// - Throws: ``CryptoError/authenticationFailed(_:)`` (``AuthenticationFailure/aeadTagMismatch``) when the
    ///   ciphertext, key, nonce or associated data do not match.
    public static func open(
        _ sealed: some ContiguousBytes, keyAndNonce: SecureBytes, authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> SecureBytes {
        try checkKeyAndNonce(keyAndNonce)
        try Sodium.ensureInitialized()
        let count = sealed.withUnsafeBytes { $0.count }
        guard count >= tagByteCount else { throw .authenticationFailed(.aeadTagMismatch) }
        return try SecureBytes(count: count - tagByteCount) {
            (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            var written: UInt64 = 0
            let code = sealed.withUnsafeBytes { c in
                ad.withUnsafeBytes { a in
                    keyAndNonce.withUnsafeBytes { material in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            out.bytes, &written, nil, c.bytes, UInt64(c.count), a.bytes, UInt64(a.count),
                            material.bytes + keyByteCount, material.bytes)
                    }
                }
            }
            try Sodium.check(code, or: .authenticationFailed(.aeadTagMismatch))
        }
    }

    private static func checkKeyAndNonce(_ keyAndNonce: SecureBytes) throws(CryptoError) {
        guard keyAndNonce.count == keyAndNonceByteCount else {
            throw .invalidLength(
                what: "XChaCha20-Poly1305 key and nonce", expected: keyAndNonceByteCount, actual: keyAndNonce.count)
        }
    }

    private static func checkSizes(key: SecureBytes, nonce: some ContiguousBytes) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw .invalidLength(what: "XChaCha20-Poly1305 key", expected: keyByteCount, actual: key.count)
        }
        let nonceCount = nonce.withUnsafeBytes { $0.count }
        guard nonceCount == nonceByteCount else {
            throw .invalidLength(what: "XChaCha20-Poly1305 nonce", expected: nonceByteCount, actual: nonceCount)
        }
    }
}
