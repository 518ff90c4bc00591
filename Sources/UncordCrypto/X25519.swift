import CSodium
public import Foundation

/// X25519 key agreement (RFC 7748) through libsodium's `crypto_scalarmult`.
///
/// ```swift
/// let alice = X25519.PrivateKey.generate(using: SystemRandom())
/// let bob = X25519.PrivateKey.generate(using: SystemRandom())
/// let shared = try X25519.sharedSecret(alice, bob.publicKey)
/// ```
public enum X25519 {
    /// Key, public key and shared-secret size in bytes.
    public static let byteCount = 32

    /// A public key: a Montgomery `u` coordinate. Any 32 bytes are accepted here, as RFC 7748 does (bit 255 is
    /// masked and a non-canonical `u` is taken mod p); a low-order key is caught when it is used.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The 32 bytes of `u`, little-endian.
        public let bytes: [UInt8]

        /// Wraps 32 bytes. Throws ``CryptoError/invalidLength(what:expected:actual:)`` for any other length.
        public init(bytes: some ContiguousBytes) throws(CryptoError) {
            let bytes = bytes.withUnsafeBytes { Array($0) }
            guard bytes.count == X25519.byteCount else {
                throw .invalidLength(what: "X25519 public key", expected: X25519.byteCount, actual: bytes.count)
            }
            self.bytes = bytes
        }

        public var description: String { "X25519.PublicKey(\(Hex.encode(bytes)))" }
    }

    /// A private key, held in ``SecureBytes``; its public half is computed once, when the key is made.
    public struct PrivateKey: Sendable, CustomStringConvertible {
        /// The 32 secret bytes as given (libsodium clamps them at every use).
        public let secret: SecureBytes
        /// `u = k·9`, the matching public key.
        public let publicKey: PublicKey

        /// Wraps 32 secret bytes and derives the public key.
        public init(secret: SecureBytes) throws(CryptoError) {
            guard secret.count == X25519.byteCount else {
                throw .invalidLength(what: "X25519 private key", expected: X25519.byteCount, actual: secret.count)
            }
            try Sodium.ensureInitialized()
            self.secret = secret
            self.publicKey = try PublicKey(bytes: X25519.publicKeyBytes(for: secret))
        }

        /// Wraps 32 secret bytes with the public key that was stored beside them, as when a sealed state is read
        /// back: no scalar multiplication. The caller vouches that `publicKey` is this secret's (it sealed both
        /// together); debug builds check it.
        public init(secret: SecureBytes, storedPublicKey publicKey: PublicKey) throws(CryptoError) {
            guard secret.count == X25519.byteCount else {
                throw .invalidLength(what: "X25519 private key", expected: X25519.byteCount, actual: secret.count)
            }
            assert(
                (try? X25519.publicKeyBytes(for: secret)) == publicKey.bytes, "a stored public key that does not match")
            self.secret = secret
            self.publicKey = publicKey
        }

        /// A fresh key from `source`.
        public static func generate(using source: any RandomSource) -> PrivateKey {
            // 32 random bytes always make a valid X25519 private key (crypto_scalarmult_base clamps them).
            do { return try PrivateKey(secret: SecureBytes(random: X25519.byteCount, using: source)) } catch {
                preconditionFailure("X25519 key derivation failed on 32 random bytes: \(error)")
            }
        }

        public var description: String { "X25519.PrivateKey(public: \(Hex.encode(publicKey.bytes)))" }
    }

    /// `DH(privateKey, publicKey)`. Throws ``CryptoError/lowOrderPoint`` when the result is all zero.
    public static func sharedSecret(_ privateKey: PrivateKey, _ publicKey: PublicKey) throws(CryptoError) -> SecureBytes
    {
        try Sodium.ensureInitialized()
        return try SecureBytes(count: byteCount) { (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            let code = privateKey.secret.withUnsafeBytes { secret in
                crypto_scalarmult(
                    out.bytes, secret.bytes,
                    publicKey.bytes)
            }
            // libsodium returns -1 exactly when the output is all zero; check the bytes too, in constant time.
            let zero = sodium_is_zero(out.bytes, byteCount) == 1
            if code != 0 || zero { throw .lowOrderPoint }
        }
    }

    /// `u = k·9` through libsodium's precomputed Ed25519 base-point table: `k·B` on Ed25519
    /// (`crypto_scalarmult_ed25519_base_noclamp`, with `k` clamped exactly as X25519 clamps it), then the Edwards
    /// point's `y` mapped to Montgomery, `u = (1 + y) / (1 − y)` — the birational map that takes `B` to 9. The same
    /// bytes as `crypto_scalarmult_base` (``ladderPublicKeyBytes(for:)``; the tests compare the two on the RFC 7748
    /// vectors and on many random keys), at about half the cost: libsodium 1.0.18's x86-64 X25519 computes `k·9`
    /// with the generic Montgomery ladder. A clamped `k` is never a multiple of the group order, so `k·B` is never
    /// the identity and `1 − y` never zero; `u` is public, so the field arithmetic on it need not be constant time.
    static func publicKeyBytes(for secret: SecureBytes) throws(CryptoError) -> [UInt8] {
        var scalar = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var point = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        defer {
            sodium_memzero(&scalar, byteCount)
            sodium_memzero(&point, byteCount)
        }
        let code = withUnsafeMutableBytes(of: &scalar) { k in
            withUnsafeMutableBytes(of: &point) { edwards in
                secret.withUnsafeBytes { k.copyMemory(from: $0) }
                k[0] &= 248
                k[31] = k[31] & 127 | 64
                let code = crypto_scalarmult_ed25519_base_noclamp(edwards.bytes, k.bytes)
                edwards[31] &= 0x7f  // the sign of x: not part of u, so it never leaves this buffer
                return code
            }
        }
        try Sodium.check(code, "crypto_scalarmult_ed25519_base_noclamp")
        return withUnsafeBytes(of: &point) { CurveMap.montgomeryU(fromEdwardsY: Array($0)) }
    }

    /// `u = k·9` with libsodium's `crypto_scalarmult_base`: the reference ``publicKeyBytes(for:)`` is tested against.
    static func ladderPublicKeyBytes(for secret: SecureBytes) throws(CryptoError) -> [UInt8] {
        try Sodium.ensureInitialized()
        var publicBytes = [UInt8](repeating: 0, count: byteCount)
        let code = secret.withUnsafeBytes { crypto_scalarmult_base(&publicBytes, $0.bytes) }
        try Sodium.check(code, "crypto_scalarmult_base")
        return publicBytes
    }
}
