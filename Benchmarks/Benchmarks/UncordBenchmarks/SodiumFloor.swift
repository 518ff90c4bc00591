import CSodiumBench

import UncordCrypto

/// The libsodium calls of UEDM/1, made directly and with nothing else around them: the floor each engine benchmark
/// is set beside. No engine code, no allocation per operation (every buffer is a ``Scratch`` block made once), no
/// wiping: what the engine spends beyond these calls is its own overhead.
///
/// The HMAC and HKDF helpers make exactly the calls `UncordCrypto`'s `HMACSHA256` and `HKDF` make, in the same
/// order, so that a floor benchmark differs from its engine benchmark only in what is not a primitive call.
/// (Counted with an LD_PRELOAD shim over both: equal numbers of every primitive call per operation.) Left out, as
/// housekeeping rather than primitives: the engine's `sodium_memzero` wipes of keys and HMAC states (35 more calls
/// per one-direction message) and its `sodium_is_zero` after each `crypto_scalarmult` (which already refuses an
/// all-zero result).
enum SodiumFloor {
    static let rootInfo = Array("UEDM1 Ratchet".utf8)
    static let messageKeysInfo = Array("UEDM1 MessageKeys".utf8)
    static let x3dhInfo = Array("UEDM1 X3DH".utf8)

    /// `sodium_init`, once per process, outside any measurement.
    static func initialize() throws(BenchmarkFailure) {
        guard sodium_init() >= 0 else { throw .failed("sodium_init") }
    }

    /// `KDF_CK`: one keyed state (`crypto_auth_hmacsha256_init`), copied for each of the two MACs
    /// (`_update` of one byte + `_final`): `next = HMAC(ck, 0x02)`, `messageKey = HMAC(ck, 0x01)`.
    /// `next` may be `chainKey` itself. 1 init + 2 × (update + final).
    static func chainStep(_ chainKey: Bytes, next: Bytes, messageKey: Bytes) {
        var keyed = crypto_auth_hmacsha256_state()
        crypto_auth_hmacsha256_init(&keyed, chainKey.base, 32)
        var two: UInt8 = 0x02
        var one: UInt8 = 0x01
        var state = keyed
        crypto_auth_hmacsha256_update(&state, &one, 1)
        crypto_auth_hmacsha256_final(&state, messageKey.base)
        state = keyed
        crypto_auth_hmacsha256_update(&state, &two, 1)
        crypto_auth_hmacsha256_final(&state, next.base)
    }

    /// HKDF-SHA-256 into `out` (`out.count` bytes, at most 64).
    /// Extract: `crypto_auth_hmacsha256_init(salt)` + `_update(ikm)` + `_final` → PRK.
    /// Expand: `crypto_auth_hmacsha256_init(PRK)`, then per 32-byte block a copy of that state and
    /// `_update(T(i−1))` (0 bytes for the first block, as the engine passes it too) + `_update(info)` +
    /// `_update(counter)` + `_final`.
    static func hkdf(salt: Bytes, ikm: Bytes, info: [UInt8], out: Bytes, prk: Bytes, block: Bytes) {
        var state = crypto_auth_hmacsha256_state()
        crypto_auth_hmacsha256_init(&state, salt.base, salt.count)
        crypto_auth_hmacsha256_update(&state, ikm.base, UInt64(ikm.count))
        crypto_auth_hmacsha256_final(&state, prk.base)
        expand(prk: prk, info: info, out: out, block: block)
    }

    /// The expand half of ``hkdf(salt:ikm:info:out:prk:block:)``.
    private static func expand(prk: Bytes, info: [UInt8], out: Bytes, block: Bytes) {
        var state = crypto_auth_hmacsha256_state()
        var keyed = crypto_auth_hmacsha256_state()
        crypto_auth_hmacsha256_init(&keyed, prk.base, 32)
        var offset = 0
        var counter: UInt8 = 1
        var previousCount = 0
        while offset < out.count {
            state = keyed
            crypto_auth_hmacsha256_update(&state, block.base, UInt64(previousCount))
            info.withUnsafeBufferPointer { _ = crypto_auth_hmacsha256_update(&state, $0.baseAddress, UInt64($0.count)) }
            crypto_auth_hmacsha256_update(&state, &counter, 1)
            crypto_auth_hmacsha256_final(&state, block.base)
            let take = min(32, out.count - offset)
            (out.base + offset).update(from: block.base, count: take)
            offset += take
            counter &+= 1
            previousCount = 32
        }
    }

    /// The message keys, `HKDF(0x00*32, mk, "UEDM1 MessageKeys", 56)`, as the engine derives them: the extract
    /// starts from a copy of the zero salt's keyed state, set up once per process (`HKDF.PreparedSalt`), then
    /// `_update(mk)` + `_final`; the expand as in ``hkdf(salt:ikm:info:out:prk:block:)``.
    static func messageKeys(ikm: Bytes, out: Bytes, prk: Bytes, block: Bytes) {
        var state = zeroSaltState
        crypto_auth_hmacsha256_update(&state, ikm.base, UInt64(ikm.count))
        crypto_auth_hmacsha256_final(&state, prk.base)
        expand(prk: prk, info: messageKeysInfo, out: out, block: block)
    }

    /// The keyed HMAC state of 32 zero bytes.
    private static let zeroSaltState: crypto_auth_hmacsha256_state = {
        var state = crypto_auth_hmacsha256_state()
        let zeros = [UInt8](repeating: 0, count: 32)
        crypto_auth_hmacsha256_init(&state, zeros, 32)
        return state
    }()

    /// `crypto_scalarmult`: `out = DH(secret, public)`; fails on an all-zero result.
    static func dh(_ out: Bytes, _ secret: Bytes, _ publicKey: Bytes) throws(BenchmarkFailure) {
        guard crypto_scalarmult(out.base, secret.base, publicKey.base) == 0 else { throw .failed("crypto_scalarmult") }
    }

    /// A new X25519 key pair as the engine makes one: `randombytes_buf(32)`, then `k·B` on Ed25519 through
    /// libsodium's base-point table (`crypto_scalarmult_ed25519_base_noclamp` on the clamped scalar), then the
    /// point's `y` mapped to the Montgomery `u = (1 + y) / (1 − y)` with the engine's own field arithmetic
    /// (`CurvePoints.montgomeryU`, one inversion in Swift): libsodium has no call for that map short of
    /// `crypto_sign_ed25519_pk_to_curve25519`, whose subgroup check costs another scalar multiplication.
    static func generate(secret: Bytes, publicKey: Bytes) throws(BenchmarkFailure) {
        randombytes_buf(secret.base, 32)
        var clamped = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let code = withUnsafeMutableBytes(of: &clamped) { (k: UnsafeMutableRawBufferPointer) -> Int32 in
            let scalar = k.bindMemory(to: UInt8.self)
            guard let base = scalar.baseAddress else { return -1 }
            base.update(from: secret.base, count: 32)
            scalar[0] &= 248
            scalar[31] = scalar[31] & 127 | 64
            return crypto_scalarmult_ed25519_base_noclamp(publicKey.base, base)
        }
        guard code == 0 else { throw .failed("crypto_scalarmult_ed25519_base_noclamp") }
        let u = CurvePoints.montgomeryU(fromEdwards: Array(UnsafeBufferPointer(start: publicKey.base, count: 32)))
        publicKey.fill(from: u)
    }

    /// `crypto_aead_xchacha20poly1305_ietf_encrypt`; `key` is bytes 0..<32 and the nonce bytes 32..<56 of
    /// `messageKeys`.
    static func seal(_ out: Bytes, _ plaintext: Bytes, ad: Bytes, messageKeys: Bytes) throws(BenchmarkFailure) {
        var written: UInt64 = 0
        let code = crypto_aead_xchacha20poly1305_ietf_encrypt(
            out.base, &written, plaintext.base, UInt64(plaintext.count), ad.base, UInt64(ad.count), nil,
            messageKeys.base + 32, messageKeys.base)
        guard code == 0 else { throw .failed("crypto_aead_xchacha20poly1305_ietf_encrypt") }
    }

    /// `crypto_aead_xchacha20poly1305_ietf_decrypt`; fails on a bad tag.
    static func open(_ out: Bytes, _ sealed: Bytes, ad: Bytes, messageKeys: Bytes) throws(BenchmarkFailure) {
        var written: UInt64 = 0
        let code = crypto_aead_xchacha20poly1305_ietf_decrypt(
            out.base, &written, nil, sealed.base, UInt64(sealed.count), ad.base, UInt64(ad.count),
            messageKeys.base + 32, messageKeys.base)
        guard code == 0 else { throw .failed("crypto_aead_xchacha20poly1305_ietf_decrypt") }
    }

    /// Writes the 41-byte ratchet header `0x01 || DHs.pub || u32be(PN) || u32be(N)` at `header`.
    static func writeHeader(_ header: Bytes, ratchetKey: Bytes, previous: UInt32, number: UInt32) {
        header.base[0] = 0x01
        (header.base + 1).update(from: ratchetKey.base, count: 32)
        writeBigEndian(previous, at: header.base + 33)
        writeBigEndian(number, at: header.base + 37)
    }

    private static func writeBigEndian(_ value: UInt32, at base: UnsafeMutablePointer<UInt8>) {
        for index in 0..<4 { base[index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
    }
}

/// A benchmark that cannot go on: a libsodium call of a floor returned an error, or a fixture came out wrong
/// (a bug in the benchmark, never expected).
enum BenchmarkFailure: Error {
    case failed(String)
}

/// A view of `count` bytes inside a ``Scratch``.
struct Bytes {
    let base: UnsafeMutablePointer<UInt8>
    let count: Int

    /// The first `count` bytes.
    func prefix(_ count: Int) -> Bytes { Bytes(base: base, count: count) }

    /// `count` bytes from `offset`.
    func slice(_ offset: Int, _ count: Int) -> Bytes { Bytes(base: base + offset, count: count) }

    func fill(from bytes: [UInt8]) { base.update(from: bytes, count: Swift.min(count, bytes.count)) }

    func fill(_ value: UInt8) { base.update(repeating: value, count: count) }
}

/// Memory for one floor benchmark, handed out in blocks once, before the measurement, and freed with the scratch.
final class Scratch {
    private var blocks: [UnsafeMutablePointer<UInt8>] = []

    deinit { for block in blocks { block.deallocate() } }

    /// A new zeroed block of `count` bytes.
    func take(_ count: Int) -> Bytes {
        let base = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
        blocks.append(base)
        return Bytes(base: base, count: count)
    }

    /// A new block holding `bytes`.
    func take(_ bytes: [UInt8]) -> Bytes {
        let block = take(bytes.count)
        block.fill(from: bytes)
        return block
    }
}
