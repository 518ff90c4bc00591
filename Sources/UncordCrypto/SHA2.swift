import CSodium
public import Foundation

/// SHA-256 (`crypto_hash_sha256`).
public enum SHA256 {
    /// The digest size in bytes.
    public static let byteCount = 32

    /// Hashes `data` in one call.
    public static func hash(_ data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        data.withUnsafeBytes { input in
            // crypto_hash_sha256 always returns 0.
            Sodium.infallible(crypto_hash_sha256(&out, input.bytes, UInt64(input.count)), "crypto_hash_sha256")
        }
        return out
    }

    /// Hashes `data` into `out`, which must be 32 bytes: for a digest written straight into a larger buffer.
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when `out` is not 32 bytes.
    public static func hash(_ data: some ContiguousBytes, into out: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard out.count == byteCount else {
            throw .invalidLength(what: "SHA-256 digest", expected: byteCount, actual: out.count)
        }
        data.withUnsafeBytes { input in
            Sodium.infallible(crypto_hash_sha256(out.bytes, input.bytes, UInt64(input.count)), "crypto_hash_sha256")
        }
    }
}

/// SHA-512 (`crypto_hash_sha512`), one-shot or incremental.
public struct SHA512: ~Copyable, Sendable {
    /// The digest size in bytes.
    public static let byteCount = 64

    private var state = crypto_hash_sha512_state()

    /// Starts an incremental hash.
    public init() {
        Sodium.infallible(crypto_hash_sha512_init(&state), "crypto_hash_sha512_init")
    }

    /// Adds bytes to the hash.
    public mutating func update(_ data: some ContiguousBytes) {
        data.withUnsafeBytes { input in
            Sodium.infallible(
                crypto_hash_sha512_update(&state, input.bytes, UInt64(input.count)), "crypto_hash_sha512_update")
        }
    }

    /// Finishes the hash. The internal state is wiped.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        Sodium.infallible(crypto_hash_sha512_final(&state, &out), "crypto_hash_sha512_final")
        sodium_memzero(&state, MemoryLayout<crypto_hash_sha512_state>.size)
        return out
    }

    /// Hashes `data` in one call.
    public static func hash(_ data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        data.withUnsafeBytes { input in
            Sodium.infallible(crypto_hash_sha512(&out, input.bytes, UInt64(input.count)), "crypto_hash_sha512")
        }
        return out
    }
}
