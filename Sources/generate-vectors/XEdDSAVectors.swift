import UncordConformance
import UncordCrypto

enum XEdDSAVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "xeddsa",
            source: "This package's XEdDSA (PROTOCOL.md section 1). Vectors/check recomputes every signature with the "
                + "xeddsa package (libxeddsa) and re-applies every verification rule with pynacl.")
        let random = DeterministicRandom(seed: Array("xeddsa vectors".utf8))

        // Sign cases: at least ten on each path (E's sign bit 0: a = k; sign bit 1: a = -k).
        var counts = [false: 0, true: 0]
        var signed: [(key: X25519.PrivateKey, message: [UInt8], signature: [UInt8])] = []
        let lengths = [0, 1, 9, 31, 32, 33, 63, 64, 100, 255, 1000]
        var attempt = 0
        while counts[false, default: 0] < 12 || counts[true, default: 0] < 12 {
            attempt += 1
            var secret = random.bytes(32)
            let negated = try edwardsSignBit(secret)
            if counts[negated, default: 0] >= 12 { continue }
            counts[negated, default: 0] += 1
            // Every third key is written already clamped; the rest raw, which signing must clamp itself.
            if attempt % 3 == 0 {
                secret[0] &= 248
                secret[31] = secret[31] & 127 | 64
            }
            let key = try X25519.PrivateKey(secret: SecureBytes(copying: secret))
            let message = random.bytes(lengths[attempt % lengths.count])
            let nonce = random.bytes(64)
            let signature = try XEdDSA.sign(message, with: key, nonce: SecureBytes(copying: nonce))
            try XEdDSA.verify(signature, for: message, publicKey: key.publicKey)
            signed.append((key, message, signature))
            let path = negated ? "sign bit 1: a = q - (k mod q)" : "sign bit 0: a = k, unreduced"
            file.add(
                "sign, \(path), \(message.count)-byte message\(attempt % 3 == 0 ? ", key given clamped" : "")",
                [
                    "private": .hex(secret), "message": .hex(message), "nonce": .hex(nonce),
                    "public": .hex(key.publicKey.bytes), "signature": .hex(signature),
                ])
        }

        // Verify-only cases that must pass.
        for (index, entry) in signed.prefix(3).enumerated() {
            file.add(
                "verify only: a genuine signature \(index + 1)",
                [
                    "public": .hex(entry.key.publicKey.bytes), "message": .hex(entry.message),
                    "signature": .hex(entry.signature),
                ])
        }

        // Verify-only cases that must fail, one group per rejection rule.
        let genuine = signed[0]
        let publicKey = genuine.key.publicKey.bytes
        func reject(
            _ comment: String, public u: [UInt8], message: [UInt8]? = nil, signature: [UInt8]? = nil,
            rule: AuthenticationFailure
        ) throws {
            let message = message ?? genuine.message
            let signature = signature ?? genuine.signature
            do {
                try XEdDSA.verify(signature, for: message, publicKey: X25519.PublicKey(bytes: u))
                throw GeneratorError("accepted: \(comment)")
            } catch CryptoError.authenticationFailed(let reason) where reason == rule {}
            file.add(
                "verify only, rejected (\(rule)): \(comment)", valid: false,
                [
                    "public": .hex(u), "message": .hex(message), "signature": .hex(signature),
                    "rule": .string(rule.rawValue),
                ])
        }

        // Rule 1: u >= p, bit 255 included.
        var withHighBit = publicKey
        withHighBit[31] |= 0x80
        try reject("the genuine key with bit 255 set", public: withHighBit, rule: .publicKeyOutOfRange)
        try reject("u = p", public: bytes("ed" + String(repeating: "ff", count: 30) + "7f"), rule: .publicKeyOutOfRange)
        try reject(
            "u = p + 9", public: bytes("f6" + String(repeating: "ff", count: 30) + "7f"), rule: .publicKeyOutOfRange)
        try reject(
            "u = 2^255 - 1", public: bytes(String(repeating: "ff", count: 31) + "7f"), rule: .publicKeyOutOfRange)
        try reject("u = 2^256 - 1", public: bytes(String(repeating: "ff", count: 32)), rule: .publicKeyOutOfRange)

        // Rule 2: s >= q.
        let order = try bytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var sPlusQ = genuine.signature
        var carry: UInt16 = 0
        for index in 0..<32 {
            let sum = UInt16(sPlusQ[32 + index]) + UInt16(order[index]) + carry
            sPlusQ[32 + index] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8
        }
        try reject(
            "s + q, the same scalar in non-canonical form", public: publicKey, signature: sPlusQ,
            rule: .nonCanonicalScalar)
        try reject(
            "s = q", public: publicKey, signature: Array(genuine.signature[0..<32]) + order, rule: .nonCanonicalScalar)
        var topBits = genuine.signature
        topBits[63] |= 0xe0
        try reject("s with its top three bits set", public: publicKey, signature: topBits, rule: .nonCanonicalScalar)

        // Rule 3: the Edwards key is not a valid prime-order point.
        try reject(
            "u = 0: y = -1, a point of order 2", public: [UInt8](repeating: 0, count: 32), rule: .publicKeyNotValidPoint
        )
        try reject(
            "u = 1: y = 0, a point of order 4", public: [1] + [UInt8](repeating: 0, count: 31),
            rule: .publicKeyNotValidPoint)
        try reject(
            "u = p - 1: u + 1 = 0, y = 0 by the inverse of zero",
            public: bytes("ec" + String(repeating: "ff", count: 30) + "7f"),
            rule: .publicKeyNotValidPoint)
        let orderEight = try bytes("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
        try reject(
            "a point of order 8", public: CurvePoints.montgomeryU(fromEdwards: orderEight),
            rule: .publicKeyNotValidPoint)
        let edwards = CurvePoints.edwardsPublicKey(fromMontgomeryU: publicKey)
        guard let mixed = CurvePoints.add(edwards, orderEight) else { throw GeneratorError("point addition failed") }
        let mixedU = CurvePoints.montgomeryU(fromEdwards: mixed)
        guard CurvePoints.isCanonicalFieldEncoding(mixedU),
            !CurvePoints.isValidPoint(CurvePoints.edwardsPublicKey(fromMontgomeryU: mixedU))
        else { throw GeneratorError("mixed-order key was not built as intended") }
        try reject(
            "mixed order: the genuine key plus a point of order 8", public: mixedU, rule: .publicKeyNotValidPoint)
        var offCurve: [UInt8] = []
        repeat {
            offCurve = random.bytes(32)
            offCurve[31] &= 0x7f
        } while CurvePoints.isValidPoint(CurvePoints.edwardsPublicKey(fromMontgomeryU: offCurve))
            || !CurvePoints.isCanonicalFieldEncoding(offCurve)
        try reject(
            "a u whose Edwards y is not on the curve (a twist point)", public: offCurve, rule: .publicKeyNotValidPoint)

        // Rule 4: the Ed25519 equation fails.
        var flippedR = genuine.signature
        flippedR[0] ^= 0x01
        try reject("R with one bit flipped", public: publicKey, signature: flippedR, rule: .signatureMismatch)
        var flippedS = genuine.signature
        flippedS[32] ^= 0x01
        try reject(
            "s with its lowest bit flipped (still canonical)", public: publicKey, signature: flippedS,
            rule: .signatureMismatch)
        try reject("another message", public: publicKey, message: genuine.message + [0x00], rule: .signatureMismatch)
        try reject("another signer's key", public: signed[1].key.publicKey.bytes, rule: .signatureMismatch)
        try reject(
            "a signature made for another message", public: publicKey, signature: signed[1].signature,
            rule: .signatureMismatch)
        try reject(
            "R is the identity point and s = 0", public: publicKey,
            signature: [1] + [UInt8](repeating: 0, count: 63), rule: .signatureMismatch)
        try reject(
            "an all-zero signature", public: publicKey, signature: [UInt8](repeating: 0, count: 64),
            rule: .signatureMismatch)
        return file
    }

    /// Whether signing with this key takes the negated path (E's sign bit is 1).
    private static func edwardsSignBit(_ secret: [UInt8]) throws -> Bool {
        CurvePoints.edwardsSignBit(of: try X25519.PrivateKey(secret: SecureBytes(copying: secret)))
    }
}
