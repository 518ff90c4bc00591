import CSodium
public import Foundation

/// HMAC-SHA-256 (`crypto_auth_hmacsha256_*`) with a reusable keyed state: the key is set up once and each
/// ``authenticate(_:)`` starts from a copy of that state, so a chain step that needs two MACs under one key
/// pays for one key set-up.
///
/// ```swift
/// let chain = HMACSHA256(key: chainKey)
/// let messageKey = chain.authenticate([0x01])
/// let nextChainKey = chain.authenticate([0x02])
/// ```
// @unchecked Sendable: the keyed state is written only in init and read (copied) afterwards.
public final class HMACSHA256: @unchecked Sendable {
    /// Tag size in bytes.
    public static let byteCount = 32

    private var keyed = crypto_auth_hmacsha256_state()

    /// Sets up the keyed state. Any key length is allowed (longer keys are hashed, as RFC 2104 says).
    public init(key: some ContiguousBytes) {
        key.withUnsafeBytes { raw in
            Sodium.infallible(crypto_auth_hmacsha256_init(&keyed, raw.bytes, raw.count), "crypto_auth_hmacsha256_init")
        }
    }

    deinit {
        sodium_memzero(&keyed, MemoryLayout<crypto_auth_hmacsha256_state>.size)
    }

    /// The tag of `message` under this key.
    public func authenticate(_ message: some ContiguousBytes) -> SecureBytes {
        var state = keyed
        defer { sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size) }
        return SecureBytes(count: Self.byteCount) { out in
            message.withUnsafeBytes { m in
                Sodium.infallible(
                    crypto_auth_hmacsha256_update(&state, m.bytes, UInt64(m.count)), "crypto_auth_hmacsha256_update")
            }
            Sodium.infallible(crypto_auth_hmacsha256_final(&state, out.bytes), "crypto_auth_hmacsha256_final")
        }
    }

    /// The tag of the concatenation of `parts`, without building it.
    public func authenticate(parts: [any ContiguousBytes]) -> SecureBytes {
        var state = keyed
        defer { sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size) }
        return SecureBytes(count: Self.byteCount) { out in
            for part in parts {
                part.withUnsafeBytes { m in
                    Sodium.infallible(
                        crypto_auth_hmacsha256_update(
                            &state, m.bytes, UInt64(m.count)), "crypto_auth_hmacsha256_update")
                }
            }
            Sodium.infallible(crypto_auth_hmacsha256_final(&state, out.bytes), "crypto_auth_hmacsha256_final")
        }
    }

    /// The tags of two messages under one key, from one key set-up kept on the stack (no keyed state is
    /// allocated): the two MACs of a KDF chain step. Equal to `HMACSHA256(key: key).authenticate(first)` and
    /// `.authenticate(second)`.
    public static func authenticate(
        _ first: some ContiguousBytes, _ second: some ContiguousBytes, key: some ContiguousBytes
    ) -> (SecureBytes, SecureBytes) {
        SecureBytes.withTemporaryBytes(count: 2 * byteCount) { tags in
            writeTags(first, second, key: key, into: tags.bytes)
            return (
                SecureBytes(copying: UnsafeRawBufferPointer(rebasing: tags[0..<byteCount])),
                SecureBytes(copying: UnsafeRawBufferPointer(rebasing: tags[byteCount...]))
            )
        }
    }

    /// ``authenticate(_:_:key:)`` into memory the caller owns and wipes: the first tag in bytes 0..<32 of `tags`,
    /// the second in 32..<64. For a chain step whose message key is used once and never kept as a secret of its own.
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when `tags` is not 64 bytes.
    public static func authenticate(
        _ first: some ContiguousBytes, _ second: some ContiguousBytes, key: some ContiguousBytes,
        into tags: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        guard tags.count == 2 * byteCount else {
            throw .invalidLength(what: "two HMAC-SHA-256 tags", expected: 2 * byteCount, actual: tags.count)
        }
        writeTags(first, second, key: key, into: tags.bytes)
    }

    /// ``authenticate(_:_:key:into:)`` for two one-byte messages under a ``SecureBytes`` key, the two MACs of the
    /// ratchet's `KDF_CK`: not generic, so the ratchet's module calls code specialised here rather than the generic
    /// entry point (witness tables and closures for each byte and for the key on every chain step).
    /// - Throws: ``CryptoError/invalidLength(what:expected:actual:)`` when `tags` is not 64 bytes.
    package static func authenticate(
        byte first: UInt8, byte second: UInt8, key: SecureBytes, into tags: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try authenticate(CollectionOfOne(first), CollectionOfOne(second), key: key, into: tags)
    }

    /// The two tags of ``authenticate(_:_:key:)``, written at `out` and `out + 32`.
    private static func writeTags(
        _ first: some ContiguousBytes, _ second: some ContiguousBytes, key: some ContiguousBytes,
        into out: UnsafeMutablePointer<UInt8>
    ) {
        var keyed = crypto_auth_hmacsha256_state()
        var state = crypto_auth_hmacsha256_state()
        defer {
            sodium_memzero(&keyed, MemoryLayout<crypto_auth_hmacsha256_state>.size)
            sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        }
        key.withUnsafeBytes { initialize(&keyed, key: $0) }
        state = keyed
        first.withUnsafeBytes { update(&state, $0) }
        finalize(&state, into: out)
        state = keyed
        second.withUnsafeBytes { update(&state, $0) }
        finalize(&state, into: out + byteCount)
    }

    /// One-shot HMAC-SHA-256.
    public static func authenticate(_ message: some ContiguousBytes, key: some ContiguousBytes) -> SecureBytes {
        HMACSHA256(key: key).authenticate(message)
    }
}

// The three steps of a MAC on a caller-owned state, for code in this module that keeps its states on the stack
// (HKDF). `Sodium.infallible`: libsodium documents these as always returning 0.
extension HMACSHA256 {
    static func initialize(_ state: UnsafeMutablePointer<crypto_auth_hmacsha256_state>, key: UnsafeRawBufferPointer) {
        Sodium.infallible(crypto_auth_hmacsha256_init(state, key.bytes, key.count), "crypto_auth_hmacsha256_init")
    }

    static func update(_ state: UnsafeMutablePointer<crypto_auth_hmacsha256_state>, _ bytes: UnsafeRawBufferPointer) {
        Sodium.infallible(
            crypto_auth_hmacsha256_update(state, bytes.bytes, UInt64(bytes.count)), "crypto_auth_hmacsha256_update")
    }

    static func finalize(
        _ state: UnsafeMutablePointer<crypto_auth_hmacsha256_state>, into out: UnsafeMutablePointer<UInt8>
    ) {
        Sodium.infallible(crypto_auth_hmacsha256_final(state, out), "crypto_auth_hmacsha256_final")
    }
}
