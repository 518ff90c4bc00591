import Testing
import UncordCrypto
import UncordTestSupport

/// Every malformed input becomes a typed ``CryptoError``, never a trap.
@Suite("Bad input")
struct BadInputTests {
    let random = DeterministicRandom(seed: 1)

    @Test("Keys of the wrong length", arguments: [0, 1, 31, 33, 64])
    func wrongKeyLengths(count: Int) {
        #expect(throws: CryptoError.invalidLength(what: "X25519 public key", expected: 32, actual: count)) {
            try X25519.PublicKey(bytes: [UInt8](repeating: 9, count: count))
        }
        #expect(throws: CryptoError.invalidLength(what: "X25519 private key", expected: 32, actual: count)) {
            try X25519.PrivateKey(secret: SecureBytes(copying: [UInt8](repeating: 9, count: count)))
        }
        #expect(throws: CryptoError.invalidLength(what: "XChaCha20-Poly1305 key", expected: 32, actual: count)) {
            try XChaCha20Poly1305.seal(
                [1], key: SecureBytes(copying: [UInt8](repeating: 0, count: count)),
                nonce: [UInt8](repeating: 0, count: 24), authenticating: [UInt8]())
        }
    }

    @Test("Nonces and signatures of the wrong length", arguments: [0, 23, 25, 63, 65])
    func wrongNonceAndSignatureLengths(count: Int) throws {
        let key = X25519.PrivateKey.generate(using: random)
        let secret = SecureBytes(copying: [UInt8](repeating: 1, count: 32))
        if count != 24 {
            #expect(throws: CryptoError.invalidLength(what: "XChaCha20-Poly1305 nonce", expected: 24, actual: count)) {
                try XChaCha20Poly1305.seal(
                    [1], key: secret, nonce: [UInt8](repeating: 0, count: count), authenticating: [UInt8]())
            }
        }
        #expect(throws: CryptoError.invalidLength(what: "XEdDSA nonce", expected: 64, actual: count)) {
            try XEdDSA.sign([1, 2, 3], with: key, nonce: SecureBytes(copying: [UInt8](repeating: 0, count: count)))
        }
        #expect(throws: CryptoError.invalidLength(what: "XEdDSA signature", expected: 64, actual: count)) {
            try XEdDSA.verify([UInt8](repeating: 0, count: count), for: [1], publicKey: key.publicKey)
        }
    }

    @Test("An all-zero DH result is refused")
    func lowOrderDH() throws {
        let key = X25519.PrivateKey.generate(using: random)
        for u in [LowOrderPoints.zero, LowOrderPoints.one] {
            #expect(throws: CryptoError.lowOrderPoint) { try X25519.sharedSecret(key, X25519.PublicKey(bytes: u)) }
        }
    }

    @Test("Text that is not hex", arguments: ["0", "abc", "zz", "0g", "  ", "0x00"])
    func notHex(text: String) {
        #expect(throws: CryptoError.self) { try Hex.decode(text) }
    }

    @Test(
        "Text that is not standard base64",
        arguments: ["QQ=", "QQ===", "Q", "QR", "QQ==QQ==", "Q Q=", "-_8", "QQ\n", "====", "QUJD=", "a+/=x"])
    func notBase64(text: String) {
        #expect(throws: CryptoError.self) { try Base64.decode(text) }
    }

    @Test("Tampered AEAD input fails authentication, each part")
    func aeadTampering() throws {
        let key = SecureBytes(random: 32, using: random)
        let nonce = random.bytes(24)
        let ad: [UInt8] = Array("ad".utf8)
        let sealed = try XChaCha20Poly1305.seal(Array("secret".utf8), key: key, nonce: nonce, authenticating: ad)
        #expect(
            try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, authenticating: ad).exportBytes()
                == Array("secret".utf8))
        var flipped = sealed
        flipped[0] ^= 1
        var otherNonce = nonce
        otherNonce[23] ^= 1
        let failure = CryptoError.authenticationFailed(.aeadTagMismatch)
        #expect(throws: failure) { try XChaCha20Poly1305.open(flipped, key: key, nonce: nonce, authenticating: ad) }
        #expect(throws: failure) { try XChaCha20Poly1305.open(sealed, key: key, nonce: otherNonce, authenticating: ad) }
        #expect(throws: failure) {
            try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, authenticating: ad + [0])
        }
        #expect(throws: failure) {
            try XChaCha20Poly1305.open(
                sealed, key: SecureBytes(random: 32, using: random), nonce: nonce, authenticating: ad)
        }
        #expect(throws: failure) {
            try XChaCha20Poly1305.open(sealed.prefix(15), key: key, nonce: nonce, authenticating: ad)
        }
    }

    @Test("Malformed padding")
    func badPadding() throws {
        let cases: [[UInt8]] = [
            [UInt8](repeating: 0, count: 64),  // no 0x80 marker
            [UInt8](repeating: 0x41, count: 64),  // no marker, no zeros
            [0x80] + [UInt8](repeating: 0, count: 62),  // not a multiple of the block size
            [0x41, 0x80, 0x01] + [UInt8](repeating: 0, count: 61),  // a non-zero byte after the marker
        ]
        for padded in cases {
            #expect(throws: CryptoError.invalidPadding) { try Padding.unpad(SecureBytes(copying: padded)) }
        }
        #expect(throws: CryptoError.invalidPadding) { try Padding.unpad(SecureBytes(copying: [UInt8]())) }
    }

    @Test("Out-of-range HKDF lengths and Argon2id parameters")
    func outOfRange() {
        #expect(throws: CryptoError.self) {
            try HKDF.deriveKey(salt: [UInt8](), ikm: [1], info: [UInt8](), length: 8161)
        }
        #expect(throws: CryptoError.self) { try HKDF.deriveKey(salt: [UInt8](), ikm: [1], info: [UInt8](), length: -1) }
        let passphrase = SecureBytes(copying: Array("pw".utf8))
        #expect(throws: CryptoError.invalidLength(what: "Argon2id salt", expected: 16, actual: 15)) {
            try Argon2id.deriveKey(from: passphrase, salt: [UInt8](repeating: 0, count: 15), parameters: .minimum)
        }
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(
                from: passphrase, salt: [UInt8](repeating: 0, count: 16),
                parameters: .init(iterations: 0, memoryBytes: 8192))
        }
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(
                from: passphrase, salt: [UInt8](repeating: 0, count: 16),
                parameters: .init(iterations: 1, memoryBytes: 10))
        }
    }
}
