import UncordCrypto

/// `xeddsa`: sign cases (`private`, `message`, `nonce` → `public`, `signature`, which must also verify) and
/// verify-only cases (`public`, `message`, `signature` → `result`).
enum XEdDSAFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let message = try vector.hex("message")
        if vector.has("private") {
            let privateBytes = try vector.hex("private")
            let nonce = try vector.hex("nonce")
            let signed = try vector.outcome { () throws -> (X25519.PublicKey, [UInt8]) in
                let key = try X25519.PrivateKey(secret: SecureBytes(copying: privateBytes))
                let signature = try XEdDSA.sign(message, with: key, nonce: SecureBytes(copying: nonce))
                try XEdDSA.verify(signature, for: message, publicKey: key.publicKey)
                return (key.publicKey, signature)
            }
            if let (publicKey, signature) = signed {
                try vector.expect("public", equals: publicKey.bytes)
                try vector.expect("signature", equals: signature)
            }
        } else {
            let publicBytes = try vector.hex("public")
            let signature = try vector.hex("signature")
            _ = try vector.outcome {
                try XEdDSA.verify(signature, for: message, publicKey: X25519.PublicKey(bytes: publicBytes))
            }
        }
    }
}
