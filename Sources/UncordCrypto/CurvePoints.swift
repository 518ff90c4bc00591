import CSodium

/// Point helpers for the vector generator, which must build hostile public keys (off-curve, small-order and
/// mixed-order) to prove that verification refuses them, and for the benchmarks' libsodium floor. Public-key arithmetic
/// only: nothing here touches a secret.
public enum CurvePoints {
    /// The Edwards encoding XEdDSA verifies against for a Montgomery `u` (sign bit clear).
    public static func edwardsPublicKey(fromMontgomeryU u: [UInt8]) -> [UInt8] {
        CurveMap.edwardsY(fromMontgomeryU: u)
    }

    /// The Montgomery `u` of an Edwards point encoding.
    public static func montgomeryU(fromEdwards point: [UInt8]) -> [UInt8] {
        CurveMap.montgomeryU(fromEdwardsY: point)
    }

    /// libsodium's `crypto_core_ed25519_is_valid_point`.
    public static func isValidPoint(_ point: [UInt8]) -> Bool {
        point.count == 32 && crypto_core_ed25519_is_valid_point(point) == 1
    }

    /// `p + q` on Ed25519 (`crypto_core_ed25519_add`), or `nil` when either does not decode.
    public static func add(_ p: [UInt8], _ q: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 32)
        return crypto_core_ed25519_add(&out, p, q) == 0 ? out : nil
    }

    /// Whether `E = k·B` has its sign bit set for the clamped private key, that is, whether XEdDSA signing takes
    /// the negated path `a = q − (k mod q)`.
    public static func edwardsSignBit(of key: X25519.PrivateKey) -> Bool {
        var k = key.secret.exportBytes()
        defer { sodium_memzero(&k, k.count) }
        k[0] &= 248
        k[31] = k[31] & 127 | 64
        var point = [UInt8](repeating: 0, count: 32)
        Sodium.infallible(crypto_scalarmult_ed25519_base_noclamp(&point, k), "crypto_scalarmult_ed25519_base_noclamp")
        return point[31] & 0x80 != 0
    }

    /// `true` when the 32 bytes are a canonical field element below p.
    public static func isCanonicalFieldEncoding(_ u: [UInt8]) -> Bool {
        CurveMap.isCanonicalFieldEncoding(u)
    }
}
