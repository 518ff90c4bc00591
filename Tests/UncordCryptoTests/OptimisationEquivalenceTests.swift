import Foundation
import Testing
import UncordTestSupport

@testable import UncordCrypto

/// The faster paths of UncordCrypto give exactly the bytes of the plain libsodium calls they replace
/// (Docs/PERFORMANCE.md lists each optimisation).
@Suite("Optimisations give identical results")
struct OptimisationEquivalenceTests {
    /// RFC 7748 section 6.1: Alice's and Bob's private keys and their public keys `X25519(k, 9)`.
    static let rfc7748 = [
        (
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        ),
        (
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
        ),
    ]

    @Test("X25519 public keys through the Ed25519 base-point table equal crypto_scalarmult_base: RFC 7748")
    func publicKeyRFC7748() throws {
        for (secret, expected) in Self.rfc7748 {
            let key = SecureBytes(copying: try Hex.decode(secret))
            #expect(Hex.encode(try X25519.publicKeyBytes(for: key)) == expected)
            #expect(Hex.encode(try X25519.ladderPublicKeyBytes(for: key)) == expected)
            #expect(Hex.encode(try X25519.PrivateKey(secret: key).publicKey.bytes) == expected)
        }
    }

    @Test("X25519 public keys through the Ed25519 base-point table equal crypto_scalarmult_base: random keys")
    func publicKeyRandom() throws {
        let (seed, random) = DeterministicRandom.seeded("publicKeyRandom")
        for index in 0..<5_000 {
            let key = SecureBytes(random: 32, using: random)
            let table = try X25519.publicKeyBytes(for: key)
            let ladder = try X25519.ladderPublicKeyBytes(for: key)
            #expect(table == ladder, "seed \(seed), key \(index)")
        }
    }

    @Test("X25519 public keys through the Ed25519 base-point table equal crypto_scalarmult_base: edge scalars")
    func publicKeyEdges() throws {
        // Every byte 0x00 or 0xff, bits only clamping clears or sets, the order of the group and its neighbours
        // (little-endian L = 2^252 + 27742317777372353535851937790883648493), and a key equal to p.
        let l = try Hex.decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var edges: [[UInt8]] = [
            [UInt8](repeating: 0, count: 32), [UInt8](repeating: 0xff, count: 32),
            [7] + [UInt8](repeating: 0, count: 30) + [0x80], [0xf8] + [UInt8](repeating: 0xff, count: 30) + [0x3f],
            l, [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        ]
        for delta: UInt8 in 1...8 {
            var above = l
            above[0] &+= delta
            var below = l
            below[0] &-= delta
            edges += [above, below]
        }
        for (index, bytes) in edges.enumerated() {
            let key = SecureBytes(copying: bytes)
            #expect(try X25519.publicKeyBytes(for: key) == X25519.ladderPublicKeyBytes(for: key), "edge \(index)")
        }
    }

    @Test("HKDF on the stack, with or without a prepared salt, equals HKDF written out with one-shot HMACs")
    func hkdfMatchesDirectCalls() throws {
        let random = DeterministicRandom.seeded("hkdfMatchesDirectCalls").random
        for length in [0, 1, 31, 32, 33, 56, 64, 65, 100, 255 * 32] {
            let salt = random.bytes(length % 3 == 0 ? 0 : 32)
            let ikm = random.bytes(40)
            let info = random.bytes(length % 17)
            let derived = try HKDF.deriveKey(salt: salt, ikm: ikm, info: info, length: length)
            #expect(derived.exportBytes() == Self.referenceHKDF(salt: salt, ikm: ikm, info: info, length: length))
            #expect(try HKDF.deriveKey(salt: HKDF.PreparedSalt(salt), ikm: ikm, info: info, length: length) == derived)
            let prk = HKDF.extract(salt: salt, ikm: ikm)
            #expect(try HKDF.expand(prk: prk, info: info, length: length) == derived)
        }
    }

    @Test("Two tags from one key set-up on the stack equal two tags from a keyed HMACSHA256")
    func twoTags() {
        let random = DeterministicRandom(seed: 9)
        for length in [0, 1, 32, 64, 65, 200] {
            let key = SecureBytes(random: length, using: random)
            let (first, second) = HMACSHA256.authenticate([UInt8(2)], random.bytes(length), key: key)
            let keyed = HMACSHA256(key: key)
            #expect(first == keyed.authenticate([UInt8(2)]))
            #expect(second != first)
        }
        let key = SecureBytes(random: 32, using: random)
        let message = random.bytes(77)
        #expect(HMACSHA256.authenticate([1], message, key: key).1 == HMACSHA256.authenticate(message, key: key))
    }

    @Test("Sealing with key and nonce in one secret equals sealing with them apart")
    func keyAndNonce() throws {
        let random = DeterministicRandom(seed: 8)
        let material = SecureBytes(random: 56, using: random)
        let plaintext = random.bytes(300)
        let ad = random.bytes(174)
        let sealed = try XChaCha20Poly1305.seal(plaintext, keyAndNonce: material, authenticating: ad)
        let apart = try XChaCha20Poly1305.seal(
            plaintext, key: material.slice(0..<32), nonce: material.slice(32..<56).exportBytes(), authenticating: ad)
        #expect(sealed == apart)
        #expect(
            try XChaCha20Poly1305.open(sealed, keyAndNonce: material, authenticating: ad).exportBytes() == plaintext)
        var tampered = sealed
        tampered[0] ^= 1
        #expect(throws: CryptoError.authenticationFailed(.aeadTagMismatch)) {
            try XChaCha20Poly1305.open(tampered, keyAndNonce: material, authenticating: ad)
        }
        #expect(throws: CryptoError.self) {
            try XChaCha20Poly1305.seal(plaintext, keyAndNonce: material.slice(0..<55), authenticating: ad)
        }
    }

    @Test("The non-generic entry points the ratchet calls equal the generic ones")
    func ratchetEntryPoints() throws {
        let random = DeterministicRandom(seed: 10)
        // KDF_CK's two tags under a SecureBytes key.
        let chainKey = SecureBytes(random: 32, using: random)
        var tags = [UInt8](repeating: 0, count: 64)
        try tags.withUnsafeMutableBytes { out in
            try HMACSHA256.authenticate(byte: 0x02, byte: 0x01, key: chainKey, into: out)
        }
        let keyed = HMACSHA256(key: chainKey)
        #expect(tags == keyed.authenticate([0x02]).exportBytes() + keyed.authenticate([0x01]).exportBytes())
        #expect(throws: CryptoError.self) {
            var short = [UInt8](repeating: 0, count: 63)
            try short.withUnsafeMutableBytes { out in
                try HMACSHA256.authenticate(byte: 0x02, byte: 0x01, key: chainKey, into: out)
            }
        }

        // The message keys' HKDF from raw input keying material and a prepared salt.
        let salt = [UInt8](repeating: 0, count: 32)
        let prepared = HKDF.PreparedSalt(salt)
        for length in [0, 32, 56, 100] {
            let ikm = random.bytes(32)
            let info = random.bytes(17)
            var out = [UInt8](repeating: 0, count: length)
            try ikm.withUnsafeBytes { ikm in
                try out.withUnsafeMutableBytes { out in
                    try HKDF.deriveKey(salt: prepared, ikm: ikm, info: info, into: out)
                }
            }
            #expect(out == Self.referenceHKDF(salt: salt, ikm: ikm, info: info, length: length))
        }

        // Opening an array with raw key material and associated data; sealing into a new array.
        let material = random.bytes(56)
        let ad = random.bytes(174)
        for count in [0, 1, 256, 1000] {
            let plaintext = random.bytes(count)
            let sealed = try XChaCha20Poly1305.seal(
                plaintext, keyAndNonce: SecureBytes(copying: material), authenticating: ad)
            let apart = try XChaCha20Poly1305.seal(
                plaintext, key: SecureBytes(copying: Array(material[0..<32])), nonce: Array(material[32...]),
                authenticating: ad)
            #expect(sealed == apart)
            let opened = try material.withUnsafeBytes { keyAndNonce in
                try ad.withUnsafeBytes { ad in
                    try XChaCha20Poly1305.open(sealed, keyAndNonce: keyAndNonce, authenticating: ad)
                }
            }
            #expect(opened.exportBytes() == plaintext)
            var tampered = sealed
            tampered[tampered.count - 1] ^= 1
            #expect(throws: CryptoError.authenticationFailed(.aeadTagMismatch)) {
                try material.withUnsafeBytes { keyAndNonce in
                    try ad.withUnsafeBytes { ad in
                        try XChaCha20Poly1305.open(tampered, keyAndNonce: keyAndNonce, authenticating: ad)
                    }
                }
            }
        }
    }

    /// RFC 5869 written out with one-shot HMACs (``HMACSHA256/authenticate(_:key:)``), no state reused.
    static func referenceHKDF(salt: [UInt8], ikm: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        let prk = HMACSHA256.authenticate(ikm, key: salt)
        var okm: [UInt8] = []
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while okm.count < length {
            previous = HMACSHA256.authenticate(previous + info + [counter], key: prk).exportBytes()
            okm += previous
            counter &+= 1
        }
        return Array(okm.prefix(length))
    }
}
