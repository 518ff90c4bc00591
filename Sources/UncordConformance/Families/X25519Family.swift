import UncordCrypto

/// `x25519`: `private`, `public` → `shared`; `invalid` when the result is all zero.
enum X25519Family {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let privateBytes = try vector.hex("private")
        let publicBytes = try vector.hex("public")
        let shared = try vector.outcome {
            let privateKey = try X25519.PrivateKey(secret: SecureBytes(copying: privateBytes))
            let publicKey = try X25519.PublicKey(bytes: publicBytes)
            return try X25519.sharedSecret(privateKey, publicKey).exportBytes()
        }
        if let shared { try vector.expect("shared", equals: shared) }
    }
}
