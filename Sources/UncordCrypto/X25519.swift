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
            var publicBytes = [UInt8](repeating: 0, count: X25519.byteCount)
            let code = secret.withUnsafeBytes { crypto_scalarmult_base(&publicBytes, $0.bytes) }
            try Sodium.check(code, "crypto_scalarmult_base")
            self.secret = secret
            self.publicKey = try PublicKey(bytes: publicBytes)
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
}
