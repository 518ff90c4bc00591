import Testing
import UncordCrypto

/// Known answers from independent sources, each named. HKDF, X25519 and XEdDSA answers live in `Vectors/`.
@Suite("Known answers")
struct PrimitiveKnownAnswerTests {
    @Test("SHA-256 and SHA-512 of \"abc\" (FIPS 180-2 examples)")
    func shaAbc() throws {
        #expect(
            Hex.encode(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Hex.encode(SHA512.hash(Array("abc".utf8)))
                == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    }

    @Test("Incremental SHA-512 equals one-shot")
    func incrementalSHA512() {
        var hash = SHA512()
        hash.update(Array("a".utf8))
        hash.update([UInt8]())
        hash.update(Array("bc".utf8))
        #expect(hash.finalize() == SHA512.hash(Array("abc".utf8)))
    }

    @Test("HMAC-SHA-256, RFC 4231 test case 2")
    func hmacRFC4231() {
        let tag = HMACSHA256.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
        #expect(Hex.encode(tag.exportBytes()) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("A keyed HMAC state serves many messages, and parts equal their concatenation")
    func hmacReuse() {
        let mac = HMACSHA256(key: [UInt8](repeating: 7, count: 32))
        let first = mac.authenticate([0x01])
        let second = mac.authenticate([0x02])
        #expect(first != second)
        #expect(mac.authenticate([0x01]) == first)
        #expect(mac.authenticate(parts: [[0x01, 0x02], [UInt8](), [0x03]]) == mac.authenticate([0x01, 0x02, 0x03]))
    }

    @Test("XChaCha20-Poly1305 matches pynacl 1.6.2 (crypto_aead_xchacha20poly1305_ietf_encrypt)")
    func aeadKnownAnswer() throws {
        let key = SecureBytes(copying: Array(UInt8(0x80)...UInt8(0x9f)))
        let nonce = Array(UInt8(0x40)...UInt8(0x57))
        let sealed = try XChaCha20Poly1305.seal(
            Array("Ladies and Gentlemen of the class of 99".utf8), key: key, nonce: nonce,
            authenticating: Array("UEDM1 test ad".utf8))
        #expect(
            Hex.encode(sealed)
                == "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                + "731c7f1b0b54a6ed58cff664f79e94b82971a7703109a0")
    }

    @Test("Argon2id matches pynacl 1.6.2 (nacl.pwhash.argon2id.kdf, 2 passes, 64 KiB)")
    func argon2idKnownAnswer() throws {
        let key = try Argon2id.deriveKey(
            from: SecureBytes(copying: Array("correct horse battery staple".utf8)), salt: Array(UInt8(0)...UInt8(15)),
            parameters: .init(iterations: 2, memoryBytes: 65536))
        #expect(Hex.encode(key.exportBytes()) == "2df47ede6358ed17a9976d4fcedb897a10036d432a4acef17d263bfc98bd20ac")
    }
}
