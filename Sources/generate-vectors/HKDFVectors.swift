import UncordConformance
import UncordCrypto

enum HKDFVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "hkdf",
            source: "Cases 1-3: RFC 5869 Appendix A (A.1, A.2, A.3). The rest: this package's HKDF with the UEDM/1 "
                + "info strings, recomputed independently by Vectors/check (Python cryptography).")
        // RFC 5869, A.1 - A.3.
        let rfc: [(String, String, String, String, Int, String)] = [
            (
                "RFC 5869 A.1: basic test case with SHA-256", String(repeating: "0b", count: 22),
                "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            ),
            (
                "RFC 5869 A.2: longer inputs and outputs",
                hexRange(0x00...0x4f), hexRange(0x60...0xaf), hexRange(0xb0...0xff), 82,
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                    + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                    + "cc30c58179ec3e87c14c01d5c1f3434f1d87"
            ),
            (
                "RFC 5869 A.3: zero-length salt and info", String(repeating: "0b", count: 22), "", "", 42,
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
            ),
        ]
        for (comment, ikm, salt, info, length, okm) in rfc {
            let computed = try HKDF.deriveKey(salt: bytes(salt), ikm: bytes(ikm), info: bytes(info), length: length)
            guard computed.exportBytes() == (try bytes(okm)) else {
                throw GeneratorError("HKDF disagrees with \(comment)")
            }
            file.add(
                comment,
                [
                    "ikm": .string(ikm), "salt": .string(salt), "info": .string(info),
                    "length": .integer(Int64(length)),
                    "okm": .string(okm),
                ])
        }
        // The derivations UEDM/1 itself makes, over seeded random inputs.
        let random = DeterministicRandom(seed: Array("hkdf vectors".utf8))
        let uses: [(String, [UInt8], String, Int)] = [
            ("X3DH root secret (3 DH outputs)", [UInt8](repeating: 0, count: 32), "UEDM1 X3DH", 32),
            ("ratchet root step", random.bytes(32), "UEDM1 Ratchet", 64),
            ("message keys", [UInt8](repeating: 0, count: 32), "UEDM1 MessageKeys", 56),
            ("the largest output RFC 5869 allows (255 blocks)", random.bytes(32), "UEDM1 max", HKDF.maximumLength),
            ("a single byte of output", random.bytes(16), "UEDM1 one", 1),
        ]
        for (index, (comment, salt, info, length)) in uses.enumerated() {
            let ikm = random.bytes(32 * (index % 3 + 1))
            let okm = try HKDF.deriveKey(salt: salt, ikm: ikm, info: Array(info.utf8), length: length)
            file.add(
                comment,
                [
                    "ikm": .hex(ikm), "salt": .hex(salt), "info": .hex(Array(info.utf8)),
                    "length": .integer(Int64(length)), "okm": .hex(okm.exportBytes()),
                ])
        }
        file.add(
            "one byte more than RFC 5869 allows", valid: false,
            [
                "ikm": .hex(random.bytes(32)), "salt": .string(""), "info": .string(""),
                "length": .integer(Int64(HKDF.maximumLength + 1)),
            ])
        return file
    }

    private static func hexRange(_ range: ClosedRange<UInt8>) -> String { Hex.encode(Array(range)) }
}
