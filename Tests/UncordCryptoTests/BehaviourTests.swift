import Testing

@testable import UncordCrypto

@Suite("Behaviour")
struct BehaviourTests {
    @Test("Secrets never print")
    func redaction() {
        let secret = SecureBytes(copying: [UInt8](repeating: 0xab, count: 32))
        #expect(secret.description == "SecureBytes(32 bytes, redacted)")
        #expect(!String(describing: secret).contains("ab"))
        #expect(!"\(secret)".contains("abab"))
        let key = X25519.PrivateKey.generate(using: DeterministicRandom(seed: 2))
        #expect(!key.description.contains(Hex.encode(key.secret.exportBytes())))
    }

    @Test("Secure bytes compare by content and length")
    func equality() {
        #expect(SecureBytes(copying: [1, 2, 3]) == SecureBytes(copying: [1, 2, 3]))
        #expect(SecureBytes(copying: [1, 2, 3]) != SecureBytes(copying: [1, 2, 4]))
        #expect(SecureBytes(copying: [1, 2, 3]) != SecureBytes(copying: [1, 2]))
        #expect(SecureBytes(copying: [UInt8]()) == SecureBytes(copying: [UInt8]()))
        #expect(SecureBytes(copying: [1, 2, 3, 4]).slice(1..<3) == SecureBytes(copying: [2, 3]))
        #expect(SecureBytes(copying: [0, 0]).isAllZero && !SecureBytes(copying: [0, 1]).isAllZero)
    }

    @Test("A deterministic source replays from its seed; the system source does not repeat")
    func randomSources() {
        let a = DeterministicRandom(seed: 42)
        let b = DeterministicRandom(seed: 42)
        let first = a.bytes(40)
        #expect(first == b.bytes(40))
        #expect(a.bytes(40) != first)
        #expect(DeterministicRandom(seed: 43).bytes(40) != first)
        #expect(SystemRandom().bytes(32) != SystemRandom().bytes(32))
    }

    @Test("Base64 round trips every length, written without padding, read with or without")
    func base64RoundTrip() throws {
        let random = DeterministicRandom(seed: 3)
        for count in 0..<70 {
            let bytes = random.bytes(count)
            let text = Base64.encode(bytes)
            #expect(!text.contains("="))
            #expect(try Base64.decode(text) == bytes)
            let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
            #expect(try Base64.decode(padded) == bytes)
        }
        #expect(Base64.encode([0xfb, 0xff]) == "+/8")
    }

    @Test("Hex round trips and accepts either letter case")
    func hexRoundTrip() throws {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(try Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(try Hex.decode("") == [])
    }

    @Test("DH agrees in both directions")
    func dhSymmetry() throws {
        let random = DeterministicRandom(seed: 4)
        for _ in 0..<8 {
            let a = X25519.PrivateKey.generate(using: random)
            let b = X25519.PrivateKey.generate(using: random)
            #expect(try X25519.sharedSecret(a, b.publicKey) == X25519.sharedSecret(b, a.publicKey))
        }
    }

    @Test("XEdDSA signs and verifies on both paths; any change to the message, key or signature fails")
    func xeddsaRoundTrip() throws {
        let random = DeterministicRandom(seed: 5)
        var paths = Set<Bool>()
        for index in 0..<24 {
            let key = X25519.PrivateKey.generate(using: random)
            paths.insert(CurvePoints.edwardsSignBit(of: key))
            let message = random.bytes(index * 7)
            let signature = try XEdDSA.sign(message, with: key, using: random)
            try XEdDSA.verify(signature, for: message, publicKey: key.publicKey)
            var bad = signature
            bad[index % 64] ^= 0x04
            #expect(!XEdDSA.isValidSignature(bad, for: message, publicKey: key.publicKey))
            #expect(!XEdDSA.isValidSignature(signature, for: message + [1], publicKey: key.publicKey))
            let other = X25519.PrivateKey.generate(using: random)
            #expect(throws: CryptoError.authenticationFailed(.signatureMismatch)) {
                try XEdDSA.verify(signature, for: message, publicKey: other.publicKey)
            }
        }
        #expect(paths == [false, true], "both the negated and the plain signing path ran")
    }

    @Test("Padding lengths either side of the 64-byte boundary", arguments: [0, 1, 63, 64, 65, 127, 128, 500])
    func paddingLengths(count: Int) throws {
        let data = [UInt8](repeating: 0x5a, count: count)
        let padded = try Padding.pad(data)
        #expect(padded.count == (count / 64 + 1) * 64)
        #expect(try Padding.unpad(padded).exportBytes() == data)
    }

    @Test("HKDF splits into extract and expand, and short outputs are prefixes of long ones")
    func hkdfStructure() throws {
        let long = try HKDF.deriveKey(salt: [1, 2], ikm: [3, 4], info: [5], length: 100)
        let short = try HKDF.deriveKey(salt: [1, 2], ikm: [3, 4], info: [5], length: 33)
        #expect(long.slice(0..<33) == short)
        #expect(try HKDF.expand(prk: HKDF.extract(salt: [1, 2], ikm: [3, 4]), info: [5], length: 100) == long)
        #expect(try HKDF.deriveKey(salt: [1, 2], ikm: [3, 4], info: [5], length: 0).count == 0)
    }

    @Test("The Montgomery-Edwards map round trips and meets libsodium's conversion")
    func curveMap() throws {
        let random = DeterministicRandom(seed: 6)
        for _ in 0..<32 {
            let key = X25519.PrivateKey.generate(using: random)
            let y = CurveMap.edwardsY(fromMontgomeryU: key.publicKey.bytes)
            #expect(y[31] & 0x80 == 0)
            #expect(CurveMap.montgomeryU(fromEdwardsY: y) == key.publicKey.bytes)
            #expect(CurvePoints.isValidPoint(y))
        }
        // Reduction: 2^255 - 19 + 5 encodes 5 after a round trip through field arithmetic.
        #expect(
            FieldElement(bytes: [5] + [UInt8](repeating: 0, count: 31)).bytes == [5] + [UInt8](repeating: 0, count: 31))
        let pMinusOne = try Hex.decode("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
        #expect(FieldElement(bytes: pMinusOne).bytes == pMinusOne)
        #expect((FieldElement(bytes: pMinusOne) + .one).bytes == [UInt8](repeating: 0, count: 32))
        #expect(CurveMap.isCanonicalFieldEncoding(pMinusOne))
        #expect(
            !CurveMap.isCanonicalFieldEncoding(
                try Hex.decode("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")))
    }
}
