import Foundation
import UncordConformance
import UncordCrypto
import UncordRatchet

enum X3DHVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "x3dh",
            source: "This package's X3DH (PROTOCOL.md section 3). Vectors/check derives every sk with the x3dh package "
                + "and independently with pynacl and cryptography, and rebuilds every ad.")
        let random = DeterministicRandom(seed: Array("x3dh vectors".utf8))
        for index in 0..<8 {
            let withOneTimePreKey = index % 2 == 0
            let keys = (0..<5).map { _ in X25519.PrivateKey.generate(using: random) }
            let (ikA, ekA, ikB, spkB, opkB) = (keys[0], keys[1], keys[2], keys[3], withOneTimePreKey ? keys[4] : nil)
            let a = DeviceAddress(user: SPKSignatureVectors.uuid(random), device: SPKSignatureVectors.uuid(random))
            let b = DeviceAddress(user: SPKSignatureVectors.uuid(random), device: SPKSignatureVectors.uuid(random))
            let sk = try X3DH.initiatorSecret(
                identity: ikA, ephemeral: ekA, peerIdentity: ikB.publicKey, peerSignedPreKey: spkB.publicKey,
                peerOneTimePreKey: opkB?.publicKey)
            let responderSK = try X3DH.responderSecret(
                identity: ikB, signedPreKey: spkB, oneTimePreKey: opkB, peerIdentity: ikA.publicKey,
                peerEphemeral: ekA.publicKey)
            guard sk == responderSK else { throw GeneratorError("X3DH sides disagree") }
            let ad = X3DH.associatedData(
                initiatorIdentity: ikA.publicKey, responderIdentity: ikB.publicKey, initiator: a, responder: b)
            guard ad.count == X3DH.associatedDataByteCount else { throw GeneratorError("AD is \(ad.count) bytes") }
            file.add(
                withOneTimePreKey ? "with a one-time pre-key (4 DH)" : "without a one-time pre-key (3 DH)",
                [
                    "ik_a_private": .hex(ikA.secret), "ek_a_private": .hex(ekA.secret),
                    "ik_b_private": .hex(ikB.secret),
                    "spk_b_private": .hex(spkB.secret), "opk_b_private": opkB.map { .hex($0.secret) } ?? .null,
                    "user_a": .uuid(a.user), "device_a": .uuid(a.device), "user_b": .uuid(b.user),
                    "device_b": .uuid(b.device),
                    "sk": .hex(sk), "ad": .hex(ad),
                ])
        }
        return file
    }
}

extension JSONValue {
    /// A UUID in canonical lowercase form.
    static func uuid(_ id: UUID) -> JSONValue { .string(id.uuidString.lowercased()) }
}
