/// An element of GF(2^255 − 19) in five 51-bit limbs, for the one place UEDM/1 needs field arithmetic outside
/// libsodium: mapping a Montgomery `u` to an Edwards `y` (and back) in XEdDSA. Variable time: it only ever
/// touches public keys.
struct FieldElement {
    private static let mask: UInt64 = (1 << 51) - 1
    private var limbs: (UInt64, UInt64, UInt64, UInt64, UInt64)

    static let zero = FieldElement(limbs: (0, 0, 0, 0, 0))
    static let one = FieldElement(limbs: (1, 0, 0, 0, 0))

    private init(limbs: (UInt64, UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }

    /// Reads 32 little-endian bytes, ignoring bit 255 (callers reject it first where it matters).
    init(bytes: [UInt8]) {
        func load(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<8 where offset + i < 32 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            return value
        }
        limbs = (
            load(0) & Self.mask,
            (load(6) >> 3) & Self.mask,
            (load(12) >> 6) & Self.mask,
            (load(19) >> 1) & Self.mask,
            (load(24) >> 12) & Self.mask
        )
    }

    /// The canonical 32-byte little-endian encoding (fully reduced mod p).
    var bytes: [UInt8] {
        // First every limb below 2^51 and the value below 2^255, folding any carry out of the top back in.
        var h = propagatedWithoutWrap()
        while h.limbs.4 >> 51 != 0 {
            h.limbs.0 += (h.limbs.4 >> 51) * 19
            h.limbs.4 &= Self.mask
            h = h.propagatedWithoutWrap()
        }
        // Then subtract p once if h >= p, decided by adding 19 and looking at bit 255.
        var t = h
        t.limbs.0 += 19
        t = t.propagatedWithoutWrap()
        if t.limbs.4 >> 51 != 0 {
            t.limbs.4 &= Self.mask
            h = t
        }
        let (l0, l1, l2, l3, l4) = h.limbs
        let words: [UInt64] = [l0 | l1 << 51, l1 >> 13 | l2 << 38, l2 >> 26 | l3 << 25, l3 >> 39 | l4 << 12]
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in words {
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
        }
        return out
    }

    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(
            limbs: (
                a.limbs.0 + b.limbs.0, a.limbs.1 + b.limbs.1, a.limbs.2 + b.limbs.2, a.limbs.3 + b.limbs.3,
                a.limbs.4 + b.limbs.4
            )
        ).carried()
    }

    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        // Add 4p first so no limb underflows (b is carried, so every limb of b is below 2^52).
        let b = b.carried()
        return FieldElement(
            limbs: (
                a.limbs.0 + 0x1F_FFFF_FFFF_FFB4 - b.limbs.0,
                a.limbs.1 + 0x1F_FFFF_FFFF_FFFC - b.limbs.1,
                a.limbs.2 + 0x1F_FFFF_FFFF_FFFC - b.limbs.2,
                a.limbs.3 + 0x1F_FFFF_FFFF_FFFC - b.limbs.3,
                a.limbs.4 + 0x1F_FFFF_FFFF_FFFC - b.limbs.4
            )
        ).carried()
    }

    // Multiplication works on 128-bit products of 51-bit limbs, so nothing here can overflow: the wrapping
    // operators (`&*`, `&+`) only spare the overflow checks, which cost more than the arithmetic itself.
    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        let (a0, a1, a2, a3, a4) = a.limbs
        let (b0, b1, b2, b3, b4) = b.limbs
        let (b1x19, b2x19, b3x19, b4x19) = (b1 &* 19, b2 &* 19, b3 &* 19, b4 &* 19)
        let r0 = wide(a0, b0) &+ wide(a1, b4x19) &+ wide(a2, b3x19) &+ wide(a3, b2x19) &+ wide(a4, b1x19)
        let r1 = wide(a0, b1) &+ wide(a1, b0) &+ wide(a2, b4x19) &+ wide(a3, b3x19) &+ wide(a4, b2x19)
        let r2 = wide(a0, b2) &+ wide(a1, b1) &+ wide(a2, b0) &+ wide(a3, b4x19) &+ wide(a4, b3x19)
        let r3 = wide(a0, b3) &+ wide(a1, b2) &+ wide(a2, b1) &+ wide(a3, b0) &+ wide(a4, b4x19)
        let r4 = wide(a0, b4) &+ wide(a1, b3) &+ wide(a2, b2) &+ wide(a3, b1) &+ wide(a4, b0)
        return reduce(r0, r1, r2, r3, r4)
    }

    /// The full 128-bit product of two limbs.
    @inline(__always)
    private static func wide(_ x: UInt64, _ y: UInt64) -> UInt128 {
        let (high, low) = x.multipliedFullWidth(by: y)
        return UInt128(high) << 64 | UInt128(low)
    }

    /// Carries five 128-bit column sums down to limbs below 2^51 (the top carry folded back times 19).
    @inline(__always)
    private static func reduce(_ r0: UInt128, _ r1: UInt128, _ r2: UInt128, _ r3: UInt128, _ r4: UInt128)
        -> FieldElement
    {
        let mask = UInt128(Self.mask)
        var c = r0 >> 51
        let l0 = r0 & mask
        let t1 = r1 &+ c
        c = t1 >> 51
        let t2 = r2 &+ c
        let l1 = t1 & mask
        c = t2 >> 51
        let t3 = r3 &+ c
        let l2 = t2 & mask
        c = t3 >> 51
        let t4 = r4 &+ c
        let l3 = t3 & mask
        c = t4 >> 51
        let l4 = t4 & mask
        return FieldElement(
            limbs: (UInt64(l0 &+ c &* 19), UInt64(l1), UInt64(l2), UInt64(l3), UInt64(l4))
        ).carried()
    }

    func squared(times n: Int = 1) -> FieldElement {
        var x = self
        for _ in 0..<n { x = x * x }
        return x
    }

    /// `self^(p−2)`, the inverse for a non-zero element (and zero for zero). `onesN` is `self^(2^N − 1)`.
    var inverse: FieldElement {
        let z2 = squared()
        let z9 = z2.squared(times: 2) * self
        let z11 = z9 * z2
        let ones5 = z11.squared() * z9
        let ones10 = ones5.squared(times: 5) * ones5
        let ones20 = ones10.squared(times: 10) * ones10
        let ones40 = ones20.squared(times: 20) * ones20
        let ones50 = ones40.squared(times: 10) * ones10
        let ones100 = ones50.squared(times: 50) * ones50
        let ones200 = ones100.squared(times: 100) * ones100
        let ones250 = ones200.squared(times: 50) * ones50
        return ones250.squared(times: 5) * z11
    }

    /// One carry pass, folding the top carry back with the factor 19.
    private func carried() -> FieldElement {
        var (l0, l1, l2, l3, l4) = limbs
        l1 += l0 >> 51
        l0 &= Self.mask
        l2 += l1 >> 51
        l1 &= Self.mask
        l3 += l2 >> 51
        l2 &= Self.mask
        l4 += l3 >> 51
        l3 &= Self.mask
        l0 += (l4 >> 51) * 19
        l4 &= Self.mask
        return FieldElement(limbs: (l0, l1, l2, l3, l4))
    }

    /// A carry pass that leaves the carry out of the top limb in place (bit 51 of limb 4).
    private func propagatedWithoutWrap() -> FieldElement {
        var (l0, l1, l2, l3, l4) = limbs
        l1 += l0 >> 51
        l0 &= Self.mask
        l2 += l1 >> 51
        l1 &= Self.mask
        l3 += l2 >> 51
        l2 &= Self.mask
        l4 += l3 >> 51
        l3 &= Self.mask
        return FieldElement(limbs: (l0, l1, l2, l3, l4))
    }
}

/// The birational maps between Curve25519 (Montgomery `u`) and Ed25519 (Edwards `y`).
enum CurveMap {
    /// p = 2^255 − 19, little-endian.
    static let primeBytes: [UInt8] = [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f]

    /// `true` when the 32 little-endian bytes encode an integer below p (bit 255 clear included).
    static func isCanonicalFieldEncoding(_ u: [UInt8]) -> Bool {
        for index in stride(from: 31, through: 0, by: -1) where u[index] != primeBytes[index] {
            return u[index] < primeBytes[index]
        }
        return false  // equal to p
    }

    /// `y = (u − 1) / (u + 1)`, encoded with the sign bit clear. For `u = −1` the inverse of zero is zero.
    static func edwardsY(fromMontgomeryU u: [UInt8]) -> [UInt8] {
        let u = FieldElement(bytes: u)
        return ((u - .one) * (u + .one).inverse).bytes
    }

    /// `u = (1 + y) / (1 − y)`, from an Edwards encoding (its sign bit ignored).
    static func montgomeryU(fromEdwardsY y: [UInt8]) -> [UInt8] {
        var encoding = y
        encoding[31] &= 0x7f
        let y = FieldElement(bytes: encoding)
        return ((FieldElement.one + y) * (FieldElement.one - y).inverse).bytes
    }
}
