import UncordCrypto
import UncordRatchet

/// `x3dh`: both sides' keys and ids → `sk`, `ad`. Both sides must derive the same `sk`.
enum X3DHFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let keys = try (
            ikA: vector.privateKey("ik_a_private"), ekA: vector.privateKey("ek_a_private"),
            ikB: vector.privateKey("ik_b_private"), spkB: vector.privateKey("spk_b_private"),
            opkB: vector.optionalPrivateKey("opk_b_private")
        )
        let initiator = DeviceAddress(user: try vector.uuid("user_a"), device: try vector.uuid("device_a"))
        let responder = DeviceAddress(user: try vector.uuid("user_b"), device: try vector.uuid("device_b"))
        let result = try vector.outcome { () throws -> ([UInt8], [UInt8]) in
            let sk = try X3DH.initiatorSecret(
                identity: keys.ikA, ephemeral: keys.ekA, peerIdentity: keys.ikB.publicKey,
                peerSignedPreKey: keys.spkB.publicKey, peerOneTimePreKey: keys.opkB?.publicKey)
            let responderSK = try X3DH.responderSecret(
                identity: keys.ikB, signedPreKey: keys.spkB, oneTimePreKey: keys.opkB,
                peerIdentity: keys.ikA.publicKey, peerEphemeral: keys.ekA.publicKey)
            guard sk == responderSK else { throw VectorFailure("the responder derived another sk") }
            let ad = X3DH.associatedData(
                initiatorIdentity: keys.ikA.publicKey, responderIdentity: keys.ikB.publicKey, initiator: initiator,
                responder: responder)
            return (sk.exportBytes(), ad)
        }
        if let (sk, ad) = result {
            try vector.expect("sk", equals: sk)
            try vector.expect("ad", equals: ad)
        }
    }
}

extension VectorCase {
    /// An X25519 private key field.
    func privateKey(_ key: String) throws(VectorFailure) -> X25519.PrivateKey {
        let bytes = try hex(key)
        do { return try X25519.PrivateKey(secret: SecureBytes(copying: bytes)) } catch {
            throw VectorFailure("field \(key): \(error)")
        }
    }

    /// An X25519 private key field that may be null.
    func optionalPrivateKey(_ key: String) throws(VectorFailure) -> X25519.PrivateKey? {
        has(key) ? try privateKey(key) : nil
    }

    /// A list of X25519 private keys.
    func privateKeys(_ key: String) throws(VectorFailure) -> [X25519.PrivateKey] {
        var keys: [X25519.PrivateKey] = []
        for bytes in try hexList(key) {
            do { keys.append(try X25519.PrivateKey(secret: SecureBytes(copying: bytes))) } catch {
                throw VectorFailure("field \(key): \(error)")
            }
        }
        return keys
    }
}
