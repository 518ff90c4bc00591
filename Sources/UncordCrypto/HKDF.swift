import CSodium
public import Foundation

/// HKDF-SHA-256 (RFC 5869), on libsodium's HMAC-SHA-256.
///
/// Every intermediate value (the PRK, each block, the keyed HMAC states) lives on the stack and is wiped before
/// the call returns; the output is the only allocation.
///
/// ```swift
/// let sk = try HKDF.deriveKey(salt: [UInt8](repeating: 0, count: 32), ikm: secret, info: Array("UEDM1 X3DH".utf8), length: 32)
/// ```
public enum HKDF {
    /// The largest output RFC 5869 allows for SHA-256: 255 blocks of 32 bytes.
    public static let maximumLength = 255 * HMACSHA256.byteCount

    /// Extract then expand: `length` bytes of output keying material.
    /// - Throws: ``CryptoError/invalidParameter(_:)`` when `length` is not in `0...8160`.
    public static func deriveKey(
        salt: some ContiguousBytes, ikm: some ContiguousBytes, info: some ContiguousBytes, length: Int
    ) throws(CryptoError) -> SecureBytes {
        try checkLength(length)
        return SecureBytes(count: length) { out in
            withScratch { scratch in
                withUnsafeMutableBytes(of: &scratch.pointee.prk) { prk in
                    salt.withUnsafeBytes { salt in
                        ikm.withUnsafeBytes { ikm in extract(salt: salt, ikm: ikm, into: prk, scratch: scratch) }
                    }
                    info.withUnsafeBytes { info in
                        expand(prk: UnsafeRawBufferPointer(prk), info: info, into: out, scratch: scratch)
                    }
                }
            }
        }
    }

    /// `PRK = HMAC(salt, IKM)`. An empty salt acts as 32 zero bytes, as HMAC pads keys with zeros.
    public static func extract(salt: some ContiguousBytes, ikm: some ContiguousBytes) -> SecureBytes {
        SecureBytes(count: HMACSHA256.byteCount) { prk in
            withScratch { scratch in
                salt.withUnsafeBytes { salt in
                    ikm.withUnsafeBytes { ikm in extract(salt: salt, ikm: ikm, into: prk, scratch: scratch) }
                }
            }
        }
    }

    /// `T(1) || T(2) || …` truncated to `length`, where `T(i) = HMAC(PRK, T(i−1) || info || i)`.
    public static func expand(
        prk: some ContiguousBytes, info: some ContiguousBytes, length: Int
    ) throws(CryptoError) -> SecureBytes {
        try checkLength(length)
        return SecureBytes(count: length) { out in
            withScratch { scratch in
                prk.withUnsafeBytes { prk in
                    info.withUnsafeBytes { info in expand(prk: prk, info: info, into: out, scratch: scratch) }
                }
            }
        }
    }

    /// A salt whose keyed HMAC state is set up once, for a derivation that always extracts with the same salt
    /// (the ratchet's message keys use 32 zero bytes): each ``deriveKey(salt:ikm:info:length:)-(HKDF.PreparedSalt,_,_,_)`` with it then starts
    /// from a copy of that state instead of `crypto_auth_hmacsha256_init`, with the same output. The state is wiped
    /// when the salt is released.
    // @unchecked Sendable: the keyed state is written only in init and read (copied) afterwards.
    public final class PreparedSalt: @unchecked Sendable {
        /// The keyed state, in memory of its own: reached through a constant pointer, a derivation reads it with no
        /// exclusivity check (a stored `var` of a class is checked at run time on every access).
        fileprivate let keyed: UnsafeMutablePointer<crypto_auth_hmacsha256_state>

        /// Sets up the keyed state of `salt`.
        public init(_ salt: some ContiguousBytes) {
            keyed = .allocate(capacity: 1)
            keyed.initialize(to: crypto_auth_hmacsha256_state())
            salt.withUnsafeBytes { HMACSHA256.initialize(keyed, key: $0) }
        }

        deinit {
            sodium_memzero(keyed, MemoryLayout<crypto_auth_hmacsha256_state>.size)
            keyed.deinitialize(count: 1)
            keyed.deallocate()
        }
    }

    /// ``deriveKey(salt:ikm:info:length:)`` with a prepared salt.
    public static func deriveKey(
        salt: PreparedSalt, ikm: some ContiguousBytes, info: some ContiguousBytes, length: Int
    ) throws(CryptoError) -> SecureBytes {
        try checkLength(length)
        return SecureBytes(count: length) { out in derive(salt: salt, ikm: ikm, info: info, into: out) }
    }

    /// ``deriveKey(salt:ikm:info:length:)-(HKDF.PreparedSalt,_,_,_)`` with a prepared salt, into memory the caller owns and wipes
    /// (`out.count` bytes): for keys used once, such as one message's key and nonce, that need no secret of their
    /// own.
    /// - Throws: ``CryptoError/invalidParameter(_:)`` when `out.count` is not in `0...8160`.
    public static func deriveKey(
        salt: PreparedSalt, ikm: some ContiguousBytes, info: some ContiguousBytes,
        into out: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkLength(out.count)
        derive(salt: salt, ikm: ikm, info: info, into: out)
    }

    /// ``deriveKey(salt:ikm:info:into:)-(HKDF.PreparedSalt,_,_,_)`` for raw input keying material and an array
    /// `info`, as the ratchet's message keys are derived: not generic, so the ratchet's module calls code
    /// specialised here rather than the generic entry point.
    /// - Throws: ``CryptoError/invalidParameter(_:)`` when `out.count` is not in `0...8160`.
    package static func deriveKey(
        salt: PreparedSalt, ikm: UnsafeRawBufferPointer, info: [UInt8], into out: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkLength(out.count)
        derive(salt: salt, ikm: ikm, info: info, into: out)
    }

    /// Extract from a copy of the prepared salt's keyed state, then expand into `out`.
    private static func derive(
        salt: PreparedSalt, ikm: some ContiguousBytes, info: some ContiguousBytes,
        into out: UnsafeMutableRawBufferPointer
    ) {
        withScratch { scratch in
            withUnsafeMutableBytes(of: &scratch.pointee.prk) { prk in
                scratch.pointee.state = salt.keyed.pointee
                ikm.withUnsafeBytes { HMACSHA256.update(&scratch.pointee.state, $0) }
                HMACSHA256.finalize(&scratch.pointee.state, into: prk.bytes)
                info.withUnsafeBytes { info in
                    expand(prk: UnsafeRawBufferPointer(prk), info: info, into: out, scratch: scratch)
                }
            }
        }
    }

    private static func checkLength(_ length: Int) throws(CryptoError) {
        guard (0...maximumLength).contains(length) else {
            throw .invalidParameter("HKDF length must be in 0...\(maximumLength), got \(length)")
        }
    }

    /// The stack space of one derivation: two HMAC states, one block and a PRK; all of it wiped afterwards.
    private struct Scratch {
        var keyed = crypto_auth_hmacsha256_state()
        var state = crypto_auth_hmacsha256_state()
        var block: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var prk: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    }

    /// Runs `body` with a scratch on the stack, wiped when it returns.
    private static func withScratch<R>(_ body: (UnsafeMutablePointer<Scratch>) -> R) -> R {
        var scratch = Scratch()
        defer { sodium_memzero(&scratch, MemoryLayout<Scratch>.size) }
        return withUnsafeMutablePointer(to: &scratch) { body($0) }
    }

    /// Extract: `crypto_auth_hmacsha256_init(salt)`, `_update(ikm)`, `_final` into `prk`.
    private static func extract(
        salt: UnsafeRawBufferPointer, ikm: UnsafeRawBufferPointer, into prk: UnsafeMutableRawBufferPointer,
        scratch: UnsafeMutablePointer<Scratch>
    ) {
        HMACSHA256.initialize(&scratch.pointee.state, key: salt)
        HMACSHA256.update(&scratch.pointee.state, ikm)
        HMACSHA256.finalize(&scratch.pointee.state, into: prk.bytes)
    }

    /// Expand: one keyed state (`crypto_auth_hmacsha256_init(PRK)`), then per block a copy of it with `_update`
    /// of `T(i−1)` (empty for the first block), of `info` and of the counter byte, and `_final`.
    private static func expand(
        prk: UnsafeRawBufferPointer, info: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
        scratch: UnsafeMutablePointer<Scratch>
    ) {
        guard !out.isEmpty else { return }
        HMACSHA256.initialize(&scratch.pointee.keyed, key: prk)
        withUnsafeMutableBytes(of: &scratch.pointee.block) { block in
            var offset = 0
            var counter: UInt8 = 1
            var previous = 0
            while offset < out.count {
                scratch.pointee.state = scratch.pointee.keyed
                HMACSHA256.update(&scratch.pointee.state, UnsafeRawBufferPointer(rebasing: block[0..<previous]))
                HMACSHA256.update(&scratch.pointee.state, info)
                withUnsafeBytes(of: counter) { HMACSHA256.update(&scratch.pointee.state, $0) }
                HMACSHA256.finalize(&scratch.pointee.state, into: block.bytes)
                let take = Swift.min(HMACSHA256.byteCount, out.count - offset)
                (out.bytes + offset).update(from: block.bytes, count: take)
                offset += take
                counter &+= 1
                previous = HMACSHA256.byteCount
            }
        }
    }
}
