import Foundation
import UncordConformance
import UncordCrypto
import UncordRatchet

enum SPKSignatureVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "spk_signature",
            source: "This package's signed pre-key signature (PROTOCOL.md section 2). Vectors/check rebuilds each "
                + "message and recomputes each signature with the xeddsa package.")
        let random = DeterministicRandom(seed: Array("spk_signature vectors".utf8))
        let keyIDs: [UInt32] = [1, 2, 255, 256, 65_536, 1_000_000, 0x7fff_fffe, 0x7fff_ffff]
        var genuine:
            [(identity: X25519.PrivateKey, device: UUID, keyID: UInt32, spk: X25519.PublicKey, signature: [UInt8])] = []
        for keyID in keyIDs {
            let identity = X25519.PrivateKey.generate(using: random)
            let device = uuid(random)
            let spk = X25519.PrivateKey.generate(using: random).publicKey
            let nonce = random.bytes(64)
            let signature = try SignedPreKeySignature.sign(
                deviceID: device, keyID: keyID, signedPreKey: spk, identityKey: identity,
                nonce: SecureBytes(copying: nonce))
            genuine.append((identity, device, keyID, spk, signature))
            file.add(
                "sign: key id \(keyID)",
                [
                    "identity_private": .hex(identity.secret), "device_id": .string(device.uuidString.lowercased()),
                    "key_id": .integer(Int64(keyID)), "spk_public": .hex(spk.bytes), "nonce": .hex(nonce),
                    "identity_public": .hex(identity.publicKey.bytes), "signature": .hex(signature),
                ])
        }

        let base = genuine[0]
        func verifyCase(
            _ comment: String, valid: Bool, identity: [UInt8]? = nil, device: String? = nil, keyID: Int64? = nil,
            spk: [UInt8]? = nil, signature: [UInt8]? = nil
        ) throws {
            let identity = identity ?? base.identity.publicKey.bytes
            let device = device ?? base.device.uuidString.lowercased()
            let keyID = keyID ?? Int64(base.keyID)
            let spk = spk ?? base.spk.bytes
            let signature = signature ?? base.signature
            let accepted: Bool
            if let id = UInt32(exactly: keyID), let deviceID = UUID(uuidString: device) {
                accepted =
                    (try? SignedPreKeySignature.verify(
                        signature, deviceID: deviceID, keyID: id, signedPreKey: X25519.PublicKey(bytes: spk),
                        identityKey: X25519.PublicKey(bytes: identity))) != nil
            } else {
                accepted = false
            }
            guard accepted == valid else { throw GeneratorError("spk_signature verify disagrees: \(comment)") }
            file.add(
                "verify only: \(comment)", valid: valid,
                [
                    "identity_public": .hex(identity), "device_id": .string(device), "key_id": .integer(keyID),
                    "spk_public": .hex(spk), "signature": .hex(signature),
                ])
        }
        try verifyCase("a genuine signature", valid: true)
        try verifyCase(
            "a genuine signature, device id in upper case", valid: true, device: base.device.uuidString.uppercased())
        try verifyCase(
            "the highest key id", valid: true, identity: genuine[7].identity.publicKey.bytes,
            device: genuine[7].device.uuidString.lowercased(), keyID: Int64(genuine[7].keyID),
            spk: genuine[7].spk.bytes, signature: genuine[7].signature)
        try verifyCase("another key id", valid: false, keyID: Int64(base.keyID) + 1)
        try verifyCase("another device id", valid: false, device: uuid(random).uuidString.lowercased())
        try verifyCase("another signed pre-key", valid: false, spk: genuine[1].spk.bytes)
        try verifyCase("another identity key", valid: false, identity: genuine[1].identity.publicKey.bytes)
        var tampered = base.signature
        tampered[10] ^= 0x40
        try verifyCase("a tampered signature", valid: false, signature: tampered)
        try verifyCase("a signature over another pre-key's message", valid: false, signature: genuine[1].signature)

        // Key ids outside 1...2^31-1, with signatures that are genuine over the bytes they name: the range check
        // alone must refuse them.
        for keyID: Int64 in [0, 0x8000_0000] {
            let identity = X25519.PrivateKey.generate(using: random)
            let message = SignedPreKeySignature.message(
                deviceID: base.device, keyID: UInt32(keyID), signedPreKey: base.spk)
            let signature = try XEdDSA.sign(message, with: identity, using: random)
            try verifyCase(
                "key id \(keyID) is outside 1...2^31-1 (the signature itself is genuine)", valid: false,
                identity: identity.publicKey.bytes, keyID: keyID, signature: signature)
        }
        return file
    }

    /// A random (version 4) UUID drawn from the seeded source.
    static func uuid(_ random: some RandomSource) -> UUID {
        var raw = random.bytes(16)
        raw[6] = raw[6] & 0x0f | 0x40
        raw[8] = raw[8] & 0x3f | 0x80
        return UUID(
            uuid: (
                raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]
            ))
    }
}
