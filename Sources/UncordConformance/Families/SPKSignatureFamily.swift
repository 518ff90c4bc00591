import UncordCrypto
import UncordRatchet

/// `spk_signature`: sign cases (`identity_private`, `device_id`, `key_id`, `spk_public`, `nonce` →
/// `identity_public`, `signature`) and verify-only cases (`identity_public`, … , `signature` → `result`).
enum SPKSignatureFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let deviceID = try vector.uuid("device_id")
        let keyID = try vector.integer("key_id")
        let spkBytes = try vector.hex("spk_public")
        if vector.has("identity_private") {
            let identityBytes = try vector.hex("identity_private")
            let nonce = try vector.hex("nonce")
            let signed = try vector.outcome { () throws -> (X25519.PublicKey, [UInt8]) in
                let identity = try X25519.PrivateKey(secret: SecureBytes(copying: identityBytes))
                let spk = try X25519.PublicKey(bytes: spkBytes)
                let id = try keyIDValue(keyID)
                let signature = try SignedPreKeySignature.sign(
                    deviceID: deviceID, keyID: id, signedPreKey: spk, identityKey: identity,
                    nonce: SecureBytes(copying: nonce))
                try SignedPreKeySignature.verify(
                    signature, deviceID: deviceID, keyID: id, signedPreKey: spk, identityKey: identity.publicKey)
                return (identity.publicKey, signature)
            }
            if let (identityPublic, signature) = signed {
                try vector.expect("identity_public", equals: identityPublic.bytes)
                try vector.expect("signature", equals: signature)
            }
        } else {
            let identityBytes = try vector.hex("identity_public")
            let signature = try vector.hex("signature")
            _ = try vector.outcome {
                try SignedPreKeySignature.verify(
                    signature, deviceID: deviceID, keyID: keyIDValue(keyID),
                    signedPreKey: X25519.PublicKey(bytes: spkBytes),
                    identityKey: X25519.PublicKey(bytes: identityBytes))
            }
        }
    }

    private static func keyIDValue(_ value: Int64) throws(CryptoError) -> UInt32 {
        guard let id = UInt32(exactly: value) else {
            throw .invalidParameter(
                "pre-key id \(value) is outside 1...\(SignedPreKeySignature.validKeyIDs.upperBound)")
        }
        return id
    }
}
