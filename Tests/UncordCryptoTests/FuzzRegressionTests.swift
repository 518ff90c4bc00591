import Testing
import UncordCrypto
import UncordTestSupport

/// Inputs the fuzz targets (`Fuzz/`, `make fuzz`) found that broke a property, kept as regression tests.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzContent, mode 2: base64 text with a non-ASCII character (here U+FFFD, the replacement for a stray 0xAC
    /// byte) was accepted. libsodium reads the text as signed `char`s and its constant-time table turned every byte
    /// above 0x7F into some digit, so such text decoded to bytes whose encoding is other text.
    @Test("Base64 refuses every byte above 0x7F")
    func base64RefusesNonASCII() {
        let found =
            "AS8knnh0dgUXmqbbI4vf/8xQiOx8ZHIak7H6DDH63QujlFxhlkb/ty/kU8WZVJgDTmjrNJQGt2weepIE9ZpW54AR0XxNdz+8\u{FFFD}"
            + "dhOfOfmPFWlCOWWM1WGNiaCFkPX8poH267BB7ttq5OtWxrtKcKA/MdQYT+qNQT1Upr82iiNbHyttb2uTWkCX3qwXo6v96JTaq0o3jd"
            + "xpRXRZip6GEAaBPRE4HEYqOrjig"
        #expect(throws: CryptoError.self) { try Base64.decode(found) }
        // Every two-byte UTF-8 sequence (U+0080…U+07FF) completing a 4-byte group; the first run showed libsodium
        // accepting each of these bytes.
        for value in UInt32(0x80)...0x7ff {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "QQ" + String(Character(scalar))
            #expect(throws: CryptoError.self, "U+\(String(value, radix: 16))") { try Base64.decode(text) }
        }
        for text in ["QUJD\u{e9}", "\u{1F600}QUJD", "QUJ\u{0080}"] {
            #expect(throws: CryptoError.self, "\(text.unicodeScalars.map(\.value))") { try Base64.decode(text) }
        }
        #expect((try? Base64.decode("QUJD")) == Array("ABC".utf8))
    }
}

/// `XEdDSA.isValidPublicKey`, which the engine uses to refuse an IDENTITY_KEY_CHANGED no device could have sent.
@Suite("Identity key validity")
struct IdentityKeyValidityTests {
    /// The low-order inputs of Vectors/x25519.json whose bit 255 is clear (the others are covered by
    /// `HostileKeys.highBitSet` in the engine's tests).
    static let lowOrder = LowOrderPoints.all.filter { $0[31] & 0x80 == 0 }

    @Test("Every generated key is valid")
    func generatedKeys() {
        let random = DeterministicRandom(seed: 9)
        for _ in 0..<50 {
            #expect(XEdDSA.isValidPublicKey(X25519.PrivateKey.generate(using: random).publicKey))
        }
    }

    @Test("Low-order points and their non-canonical encodings are not")
    func lowOrderKeys() throws {
        let probe = X25519.PrivateKey.generate(using: DeterministicRandom(seed: 10))
        for bytes in Self.lowOrder {
            let key = try X25519.PublicKey(bytes: bytes)
            #expect(!XEdDSA.isValidPublicKey(key), "\(key)")
            #expect(throws: CryptoError.lowOrderPoint) { try X25519.sharedSecret(probe, key) }
        }
    }

    @Test("A key with bit 255 set is not, though X25519 reads it as the same point")
    func highBit() throws {
        let key = X25519.PrivateKey.generate(using: DeterministicRandom(seed: 11))
        var bytes = key.publicKey.bytes
        bytes[31] |= 0x80
        let twin = try X25519.PublicKey(bytes: bytes)
        #expect(!XEdDSA.isValidPublicKey(twin))
        let probe = X25519.PrivateKey.generate(using: DeterministicRandom(seed: 12))
        #expect(try X25519.sharedSecret(probe, twin) == X25519.sharedSecret(probe, key.publicKey))
    }
}
