import UncordCrypto
import UncordRatchet

/// `safety_number`: two users' ids and identity keys → both fingerprints and the 60-digit safety number.
enum SafetyNumberFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let userX = try vector.uuid("user_x")
        let userY = try vector.uuid("user_y")
        let keysX = try vector.hexList("keys_x")
        let keysY = try vector.hexList("keys_y")
        let result = try vector.outcome { () throws -> (String, String, String) in
            let x = try keysX.map { try X25519.PublicKey(bytes: $0) }
            let y = try keysY.map { try X25519.PublicKey(bytes: $0) }
            let number = try SafetyNumber(user: userX, identityKeys: x, peer: userY, peerIdentityKeys: y)
            let reversed = try SafetyNumber(user: userY, identityKeys: y, peer: userX, peerIdentityKeys: x)
            guard number == reversed else { throw VectorFailure("the two sides compute different numbers") }
            return (
                try SafetyNumber.fingerprint(user: userX, identityKeys: x),
                try SafetyNumber.fingerprint(user: userY, identityKeys: y), number.digits
            )
        }
        guard let (fingerprintX, fingerprintY, digits) = result else { return }
        for (key, actual) in [
            ("fingerprint_x", fingerprintX), ("fingerprint_y", fingerprintY), ("safety_number", digits),
        ] {
            let expected = try vector.string(key)
            guard expected == actual else { throw VectorFailure("\(key): expected \(expected), got \(actual)") }
        }
    }
}
