import UncordConformance
import UncordCrypto

enum X25519Vectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "x25519",
            source: "Cases 1-5: RFC 7748 section 5.2 (two test vectors and one iteration of the iterated test) and "
                + "section 6.1 (both directions). Low-order inputs: the points libsodium refuses (the all-zero result). "
                + "The rest: this package's X25519, recomputed by Vectors/check with pynacl and cryptography.")
        let rfc: [(String, String, String, String)] = [
            (
                "RFC 7748 5.2, first test vector",
                "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
                "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
            ),
            (
                "RFC 7748 5.2, second test vector (u has bit 255 set, which is masked)",
                "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
                "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"
            ),
            (
                "RFC 7748 5.2, iterated test after one iteration (k = u = 9)",
                "0900000000000000000000000000000000000000000000000000000000000000",
                "0900000000000000000000000000000000000000000000000000000000000000",
                "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"
            ),
            (
                "RFC 7748 6.1, Alice's private key with Bob's public key",
                "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
                "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
                "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
            ),
            (
                "RFC 7748 6.1, Bob's private key with Alice's public key",
                "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
                "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
            ),
        ]
        for (comment, privateHex, publicHex, sharedHex) in rfc {
            let shared = try sharedSecret(bytes(privateHex), bytes(publicHex))
            guard shared == (try bytes(sharedHex)) else { throw GeneratorError("X25519 disagrees with \(comment)") }
            file.add(
                comment, ["private": .string(privateHex), "public": .string(publicHex), "shared": .string(sharedHex)])
        }

        let random = DeterministicRandom(seed: Array("x25519 vectors".utf8))
        // Non-canonical encodings: u + p and u with bit 255 set give the same result as u.
        let peer = X25519.PrivateKey.generate(using: random).publicKey.bytes
        let own = random.bytes(32)
        let canonical = try sharedSecret(own, peer)
        var highBit = peer
        highBit[31] |= 0x80
        file.add(
            "a peer key with bit 255 set: the bit is masked",
            [
                "private": .hex(own), "public": .hex(highBit), "shared": .hex(try sharedSecret(own, highBit)),
            ])
        guard try sharedSecret(own, highBit) == canonical else { throw GeneratorError("bit 255 not masked") }
        let nonCanonicalNine = try bytes("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")  // p + 9
        let nine = try bytes("0900000000000000000000000000000000000000000000000000000000000000")
        guard try sharedSecret(own, nonCanonicalNine) == (try sharedSecret(own, nine)) else {
            throw GeneratorError("u = p + 9 not reduced mod p")
        }
        file.add(
            "u = p + 9, not canonical: taken mod p, the same as u = 9",
            [
                "private": .hex(own), "public": .hex(nonCanonicalNine), "shared": .hex(try sharedSecret(own, nine)),
            ])
        for index in 0..<4 {
            let a = X25519.PrivateKey.generate(using: random)
            let b = X25519.PrivateKey.generate(using: random)
            let shared = try X25519.sharedSecret(a, b.publicKey).exportBytes()
            guard shared == (try X25519.sharedSecret(b, a.publicKey).exportBytes()) else {
                throw GeneratorError("X25519 is not symmetric")
            }
            file.add(
                "seeded random key pair \(index + 1)",
                [
                    "private": .hex(a.secret), "public": .hex(b.publicKey.bytes), "shared": .hex(shared),
                ])
        }

        // Low-order points (orders 1, 2, 4 and 8, and the same with bit 255 set or as u + p): the result is all
        // zero, which must be an error, never a key.
        let lowOrder: [(String, String)] = [
            ("u = 0, the point of order 2", "0000000000000000000000000000000000000000000000000000000000000000"),
            ("u = 1, a point of order 4", "0100000000000000000000000000000000000000000000000000000000000000"),
            ("order 8 point", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            ("order 8 point", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
            ("u = p - 1, a point of order 4", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            ("u = p, the same as u = 0", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            ("u = p + 1, the same as u = 1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            ("order 8 point with bit 255 set", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880"),
            ("u = 0 with bit 255 set", "0000000000000000000000000000000000000000000000000000000000000080"),
        ]
        for (comment, publicHex) in lowOrder {
            let privateKey = random.bytes(32)
            do {
                _ = try sharedSecret(privateKey, bytes(publicHex))
                throw GeneratorError("low-order point accepted: \(publicHex)")
            } catch CryptoError.lowOrderPoint {}
            file.add(
                "low-order input, \(comment): the result is all zero", valid: false,
                [
                    "private": .hex(privateKey), "public": .string(publicHex),
                ])
        }
        return file
    }

    private static func sharedSecret(_ privateBytes: [UInt8], _ publicBytes: [UInt8]) throws -> [UInt8] {
        let privateKey = try X25519.PrivateKey(secret: SecureBytes(copying: privateBytes))
        return try X25519.sharedSecret(privateKey, X25519.PublicKey(bytes: publicBytes)).exportBytes()
    }
}
