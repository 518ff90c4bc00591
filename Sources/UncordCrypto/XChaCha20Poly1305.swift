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
        return try sealedArray(plaintext) { out in
            nonce.withUnsafeBytes { n in
                key.withUnsafeBytes { k in encrypt(plaintext, ad: ad, nonce: n.bytes, key: k.bytes, into: out) }
            }
        }
    }

    /// ``seal(_:key:nonce:authenticating:)`` writing `ciphertext || tag` into `out`, which must hold exactly the
    /// plaintext's length plus ``tagByteCount``: for a caller that builds a larger message around the ciphertext.
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for a key, nonce or `out` of another size.
    public static func seal(
        _ plaintext: some ContiguousBytes, key: SecureBytes, nonce: some ContiguousBytes,
        authenticating ad: some ContiguousBytes, into out: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkSizes(key: key, nonce: nonce)
        try checkOutput(out, for: plaintext)
        try Sodium.ensureInitialized()
        let code = nonce.withUnsafeBytes { n in
            key.withUnsafeBytes { k in encrypt(plaintext, ad: ad, nonce: n.bytes, key: k.bytes, into: out.bytes) }
        }
        try Sodium.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
    }

    /// Checks the tag and decrypts. The plaintext comes back as ``SecureBytes``.
    /// - Throws: ``CryptoError/authenticationFailed(_:)`` (``AuthenticationFailure/aeadTagMismatch``) when the
    ///   ciphertext, key, nonce or associated data do not match.
    public static func open(
        _ sealed: some ContiguousBytes, key: SecureBytes, nonce: some ContiguousBytes,
        authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> SecureBytes {
        try checkSizes(key: key, nonce: nonce)
        return try decrypt(sealed) { (out: UnsafeMutableRawBufferPointer) in
            nonce.withUnsafeBytes { n in
                key.withUnsafeBytes { k in decrypt(sealed, into: out, ad: ad, nonce: n.bytes, key: k.bytes) }
            }
        }
    }

    /// The byte count of ``seal(_:keyAndNonce:authenticating:)``'s key material: the key, then the nonce.
    public static let keyAndNonceByteCount = keyByteCount + nonceByteCount

    /// ``seal(_:key:nonce:authenticating:)`` with the key and nonce read from one secret, `key (32) || nonce (24)`,
    /// as a KDF derives them together; neither is copied out of it. `keyAndNonce` is a ``SecureBytes``, or memory
    /// the caller wipes (``SecureBytes/withTemporaryBytes(count:_:)``).
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when `keyAndNonce` is not 56 bytes.
    public static func seal(
        _ plaintext: some ContiguousBytes, keyAndNonce: some ContiguousBytes, authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> [UInt8] {
        try checkKeyAndNonce(keyAndNonce)
        return try sealedArray(plaintext) { out in
            keyAndNonce.withUnsafeBytes { material in
                encrypt(plaintext, ad: ad, nonce: material.bytes + keyByteCount, key: material.bytes, into: out)
            }
        }
    }

    /// ``seal(_:keyAndNonce:authenticating:)`` writing `ciphertext || tag` into `out`, which must hold exactly the
    /// plaintext's length plus ``tagByteCount``.
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for key material or `out` of another size.
    public static func seal(
        _ plaintext: some ContiguousBytes, keyAndNonce: some ContiguousBytes, authenticating ad: some ContiguousBytes,
        into out: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkKeyAndNonce(keyAndNonce)
        try checkOutput(out, for: plaintext)
        try Sodium.ensureInitialized()
        let code = keyAndNonce.withUnsafeBytes { material in
            encrypt(plaintext, ad: ad, nonce: material.bytes + keyByteCount, key: material.bytes, into: out.bytes)
        }
        try Sodium.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
    }

    /// ``open(_:key:nonce:authenticating:)`` with the key and nonce read from one secret, `key (32) || nonce (24)`.
    /// - Throws: ``CryptoError/authenticationFailed(_:)`` (``AuthenticationFailure/aeadTagMismatch``) when the
    ///   ciphertext, key, nonce or associated data do not match.
    public static func open(
        _ sealed: some ContiguousBytes, keyAndNonce: some ContiguousBytes, authenticating ad: some ContiguousBytes
    ) throws(CryptoError) -> SecureBytes {
        try checkKeyAndNonce(keyAndNonce)
        return try decrypt(sealed) { (out: UnsafeMutableRawBufferPointer) in
            keyAndNonce.withUnsafeBytes { material in
                decrypt(sealed, into: out, ad: ad, nonce: material.bytes + keyByteCount, key: material.bytes)
            }
        }
    }

    /// ``open(_:keyAndNonce:authenticating:)`` for an array of `ciphertext || tag` and raw key material and
    /// associated data, as the ratchet opens a message: not generic, so the ratchet's module calls code specialised
    /// here rather than the generic entry point.
    package static func open(
        _ sealed: [UInt8], keyAndNonce: UnsafeRawBufferPointer, authenticating ad: UnsafeRawBufferPointer
    ) throws(CryptoError) -> SecureBytes {
        try checkKeyAndNonce(keyAndNonce)
        return try decrypt(sealed) { (out: UnsafeMutableRawBufferPointer) in
            decrypt(sealed, into: out, ad: ad, nonce: keyAndNonce.bytes + keyByteCount, key: keyAndNonce.bytes)
        }
    }

    // MARK: The libsodium calls

    /// The one encrypt call, writing `ciphertext || tag` at `out`; libsodium's return code.
    private static func encrypt(
        _ plaintext: some ContiguousBytes, ad: some ContiguousBytes, nonce: UnsafePointer<UInt8>,
        key: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>
    ) -> Int32 {
        var written: UInt64 = 0
        return plaintext.withUnsafeBytes { p in
            ad.withUnsafeBytes { a in
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    out, &written, p.bytes, UInt64(p.count), a.bytes, UInt64(a.count), nil, nonce, key)
            }
        }
    }

    /// A new array of `ciphertext || tag` for `plaintext`, written in place by `call` (which returns libsodium's
    /// code).
    private static func sealedArray(
        _ plaintext: some ContiguousBytes, _ call: (UnsafeMutablePointer<UInt8>) -> Int32
    ) throws(CryptoError) -> [UInt8] {
        try Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: plaintext.withUnsafeBytes { $0.count } + tagByteCount)
        let code = out.withUnsafeMutableBytes { call($0.bytes) }
        try Sodium.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return out
    }

    /// The one decrypt call, writing the plaintext into `out`; libsodium's return code.
    private static func decrypt(
        _ sealed: some ContiguousBytes, into out: UnsafeMutableRawBufferPointer, ad: some ContiguousBytes,
        nonce: UnsafePointer<UInt8>, key: UnsafePointer<UInt8>
    ) -> Int32 {
        var written: UInt64 = 0
        return sealed.withUnsafeBytes { c in
            ad.withUnsafeBytes { a in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    out.bytes, &written, nil, c.bytes, UInt64(c.count), a.bytes, UInt64(a.count), nonce, key)
            }
        }
    }

    /// A plaintext buffer for `sealed`, filled by `call` (which returns libsodium's code); a failed tag check is
    /// ``CryptoError/authenticationFailed(_:)`` and the buffer is wiped with the ``SecureBytes``.
    private static func decrypt(
        _ sealed: some ContiguousBytes, _ call: (UnsafeMutableRawBufferPointer) -> Int32
    ) throws(CryptoError) -> SecureBytes {
        try Sodium.ensureInitialized()
        let count = sealed.withUnsafeBytes { $0.count }
        guard count >= tagByteCount else { throw .authenticationFailed(.aeadTagMismatch) }
        return try SecureBytes(count: count - tagByteCount) {
            (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try Sodium.check(call(out), or: .authenticationFailed(.aeadTagMismatch))
        }
    }

    private static func checkKeyAndNonce(_ keyAndNonce: some ContiguousBytes) throws(CryptoError) {
        let count = keyAndNonce.withUnsafeBytes { $0.count }
        guard count == keyAndNonceByteCount else {
            throw .invalidLength(
                what: "XChaCha20-Poly1305 key and nonce", expected: keyAndNonceByteCount, actual: count)
        }
    }

    private static func checkOutput(
        _ out: UnsafeMutableRawBufferPointer, for plaintext: some ContiguousBytes
    ) throws(CryptoError) {
        let expected = plaintext.withUnsafeBytes { $0.count } + tagByteCount
        guard out.count == expected else {
            throw .invalidLength(what: "XChaCha20-Poly1305 output", expected: expected, actual: out.count)
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
