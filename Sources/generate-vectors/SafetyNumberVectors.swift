import Foundation
import UncordConformance
import UncordCrypto
import UncordRatchet

enum SafetyNumberVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "safety_number",
            source: "This package's safety numbers (PROTOCOL.md section 8); Vectors/check recomputes each with hashlib."
        )
        let random = DeterministicRandom(seed: Array("safety_number vectors".utf8))
        let shapes: [(Int, Int, String)] = [
            (1, 1, "one device each"), (2, 1, "two devices and one"), (1, 3, "one device and three"),
            (3, 3, "three devices each"), (5, 5, "five devices each, the most Uncord allows"),
        ]
        for (countX, countY, comment) in shapes {
            let userX = SPKSignatureVectors.uuid(random)
            let userY = SPKSignatureVectors.uuid(random)
            let keysX = (0..<countX).map { _ in X25519.PrivateKey.generate(using: random).publicKey }
            let keysY = (0..<countY).map { _ in X25519.PrivateKey.generate(using: random).publicKey }
            try add(comment, &file, userX, keysX, userY, keysY)
        }
        // The same two users with X and Y swapped: the same number; and the same keys listed in another order.
        let userX = SPKSignatureVectors.uuid(random)
        let userY = SPKSignatureVectors.uuid(random)
        let keysX = (0..<2).map { _ in X25519.PrivateKey.generate(using: random).publicKey }
        let keysY = (0..<2).map { _ in X25519.PrivateKey.generate(using: random).publicKey }
        try add("two devices each", &file, userX, keysX, userY, keysY)
        try add("the same users swapped: the same safety number", &file, userY, keysY, userX, keysX)
        try add("the same keys listed in another order: the same numbers", &file, userX, keysX.reversed(), userY, keysY)
        return file
    }

    private static func add(
        _ comment: String, _ file: inout VectorFileBuilder, _ userX: UUID, _ keysX: [X25519.PublicKey], _ userY: UUID,
        _ keysY: [X25519.PublicKey]
    ) throws {
        let number = try SafetyNumber(user: userX, identityKeys: keysX, peer: userY, peerIdentityKeys: keysY)
        file.add(
            comment,
            [
                "user_x": .uuid(userX), "keys_x": .array(keysX.map { .hex($0.bytes) }),
                "user_y": .uuid(userY), "keys_y": .array(keysY.map { .hex($0.bytes) }),
                "fingerprint_x": .string(try SafetyNumber.fingerprint(user: userX, identityKeys: keysX)),
                "fingerprint_y": .string(try SafetyNumber.fingerprint(user: userY, identityKeys: keysY)),
                "safety_number": .string(number.digits),
            ])
    }
}
