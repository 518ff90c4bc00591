import CSodium
public import Foundation

/// XEdDSA signatures (Signal's XEdDSA/VXEdDSA specification, revision 1, 2016) over X25519 keys, with SHA-512.
///
/// Signing is byte-identical to libxeddsa for the same 64-byte nonce `Z`. Verification is stricter than
/// libxeddsa: it rejects a `u` that is not below p, an `s` that is not below q, and an Edwards key that is not a
/// valid prime-order point, before the Ed25519 check itself. See `Docs/PROTOCOL.md`, section 1.
///
/// ```swift
/// let identity = X25519.PrivateKey.generate(using: SystemRandom())
/// let signature = try XEdDSA.sign(message, with: identity, using: SystemRandom())
/// try XEdDSA.verify(signature, for: message, publicKey: identity.publicKey)
/// ```
public enum XEdDSA {
    /// Signature size in bytes (`R || s`).
    public static let signatureByteCount = 64
    /// Size of the random value `Z` in bytes.
    public static let nonceByteCount = 64

    /// Signs `message` with a fresh random `Z` from `source`.
    public static func sign(
        _ message: some ContiguousBytes, with key: X25519.PrivateKey, using source: any RandomSource
    ) throws(CryptoError) -> [UInt8] {
        try sign(message, with: key, nonce: SecureBytes(random: nonceByteCount, using: source))
    }

    /// Signs `message` with the given 64-byte `Z`. Deterministic: for vectors and tests.
    public static func sign(
        _ message: some ContiguousBytes, with key: X25519.PrivateKey, nonce: SecureBytes
    ) throws(CryptoError) -> [UInt8] {
        guard nonce.count == nonceByteCount else {
            throw .invalidLength(what: "XEdDSA nonce", expected: nonceByteCount, actual: nonce.count)
        }
        try Sodium.ensureInitialized()
        let message = message.withUnsafeBytes { Array($0) }

        // k: the clamped X25519 private key; E = k·B.
        var k = key.secret.exportBytes()
        var a = [UInt8](repeating: 0, count: 32)
        var r = [UInt8](repeating: 0, count: 32)
        var ha = [UInt8](repeating: 0, count: 32)
        defer {
            sodium_memzero(&k, k.count)
            sodium_memzero(&a, a.count)
            sodium_memzero(&r, r.count)
            sodium_memzero(&ha, ha.count)
        }
        k[0] &= 248
        k[31] &= 127
        k[31] |= 64
        var edwards = [UInt8](repeating: 0, count: 32)
        try Sodium.check(crypto_scalarmult_ed25519_base_noclamp(&edwards, k), "crypto_scalarmult_ed25519_base_noclamp")

        // a = k when E's sign bit is 0 (kept unreduced, as libxeddsa does), else a = q − (k mod q) = −k.
        // Either way A = a·B is E with the sign bit cleared.
        if edwards[31] & 0x80 == 0 {
            a = k
        } else {
            var reduced = reduceScalar(k)
            crypto_core_ed25519_scalar_negate(&a, reduced)
            sodium_memzero(&reduced, reduced.count)
        }
        var publicA = edwards
        publicA[31] &= 0x7f

        // r = H512(0xFE || 0xFF*31 || a || M || Z) mod q; R = r·B.
        var nonceHash = SHA512()
        nonceHash.update([0xfe] + [UInt8](repeating: 0xff, count: 31))
        nonceHash.update(a)
        nonceHash.update(message)
        nonceHash.update(nonce)
        var digest = nonceHash.finalize()
        crypto_core_ed25519_scalar_reduce(&r, digest)
        sodium_memzero(&digest, digest.count)
        var bigR = [UInt8](repeating: 0, count: 32)
        try Sodium.check(crypto_scalarmult_ed25519_base_noclamp(&bigR, r), "crypto_scalarmult_ed25519_base_noclamp")

        // h = H512(R || A || M) mod q; s = r + h·a mod q.
        var challenge = SHA512()
        challenge.update(bigR)
        challenge.update(publicA)
        challenge.update(message)
        var h = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&h, challenge.finalize())
        var aReduced = reduceScalar(a)
        defer { sodium_memzero(&aReduced, aReduced.count) }
        crypto_core_ed25519_scalar_mul(&ha, h, aReduced)
        var s = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_add(&s, r, ha)
        return bigR + s
    }

    /// Verifies `signature` over `message` by the holder of `publicKey`.
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` for a signature that is not 64 bytes, and
    ///   ``CryptoError/authenticationFailed(_:)`` for every rejection, with the rule that fired as its reason.
    public static func verify(
        _ signature: some ContiguousBytes, for message: some ContiguousBytes, publicKey: X25519.PublicKey
    ) throws(CryptoError) {
        let signature = signature.withUnsafeBytes { Array($0) }
        guard signature.count == signatureByteCount else {
            throw .invalidLength(what: "XEdDSA signature", expected: signatureByteCount, actual: signature.count)
        }
        try Sodium.ensureInitialized()
        guard CurveMap.isCanonicalFieldEncoding(publicKey.bytes) else {
            throw .authenticationFailed(.publicKeyOutOfRange)
        }
        guard isCanonicalScalar(signature[32..<64]) else { throw .authenticationFailed(.nonCanonicalScalar) }
        let publicA = CurveMap.edwardsY(fromMontgomeryU: publicKey.bytes)
        guard crypto_core_ed25519_is_valid_point(publicA) == 1 else {
            throw .authenticationFailed(.publicKeyNotValidPoint)
        }
        let code = message.withUnsafeBytes { m in
            crypto_sign_ed25519_verify_detached(
                signature, m.bytes, UInt64(m.count), publicA)
        }
        try Sodium.check(code, or: .authenticationFailed(.signatureMismatch))
    }

    /// `true` when ``verify(_:for:publicKey:)`` would succeed.
    public static func isValidSignature(
        _ signature: some ContiguousBytes, for message: some ContiguousBytes, publicKey: X25519.PublicKey
    ) -> Bool {
        do {
            try verify(signature, for: message, publicKey: publicKey)
            return true
        } catch {
            return false
        }
    }

    /// The group order q = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]

    /// `true` when the 32 little-endian bytes are below q.
    static func isCanonicalScalar(_ s: ArraySlice<UInt8>) -> Bool {
        let s = Array(s)
        for index in stride(from: 31, through: 0, by: -1) where s[index] != groupOrder[index] {
            return s[index] < groupOrder[index]
        }
        return false
    }

    /// A 32-byte scalar reduced mod q.
    private static func reduceScalar(_ scalar: [UInt8]) -> [UInt8] {
        var wide = scalar + [UInt8](repeating: 0, count: 32)
        var out = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&out, wide)
        sodium_memzero(&wide, wide.count)
        return out
    }
}
