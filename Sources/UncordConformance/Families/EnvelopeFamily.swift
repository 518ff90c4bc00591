import Foundation
import UncordCrypto
import UncordRatchet

/// `envelope`: Alice seals a payload for Bob's device through a fresh X3DH session (a pre-key wrap); the content
/// and wrap bytes must match, and Bob opening them must give back the payload, a complete section 5 payload.
/// An `invalid` case's opening must fail.
enum EnvelopeFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let alice = DeviceAddress(user: try vector.uuid("user_a"), device: try vector.uuid("device_a"))
        let bob = DeviceAddress(user: try vector.uuid("user_b"), device: try vector.uuid("device_b"))
        let ikA = try vector.privateKey("ik_a_private")
        let ekA = try vector.privateKey("ek_a_private")
        let ratchetKey = try vector.privateKey("alice_ratchet_private")
        let ikB = try vector.privateKey("ik_b_private")
        let spkID = try keyID(vector.integer("spk_b_id"))
        let spkB = try vector.privateKey("spk_b_private")
        let opkID = try vector.optionalInteger("opk_b_id").map { (id) throws(VectorFailure) in try keyID(id) }
        let opkB = try vector.optionalPrivateKey("opk_b_private")
        let channel = try vector.uuid("channel_id")
        let payload = try vector.hex("payload")
        let contentKey = SecureBytes(copying: try vector.hex("content_key"))
        let nonce = try vector.hex("content_nonce")
        let valid = try vector.expectsValid()

        // Alice's side.
        let content: [UInt8]
        let wrap: KeyWrap
        do {
            let sk = try X3DH.initiatorSecret(
                identity: ikA, ephemeral: ekA, peerIdentity: ikB.publicKey, peerSignedPreKey: spkB.publicKey,
                peerOneTimePreKey: opkB?.publicKey)
            let ad = X3DH.associatedData(
                initiatorIdentity: ikA.publicKey, responderIdentity: ikB.publicKey, initiator: alice, responder: bob)
            var ratchet = try DoubleRatchet.initiator(
                sharedSecret: sk, associatedData: ad, peerSignedPreKey: spkB.publicKey,
                using: ScriptedKeyPairs([ratchetKey]))
            content = try ContentCipher.seal(
                payload: payload, contentKey: contentKey, nonce: nonce, channel: channel, author: alice.user)
            let fields = KeyWrap.PreKeyFields(
                identityKey: ikA.publicKey, ephemeralKey: ekA.publicKey, signedPreKeyID: spkID, oneTimePreKeyID: opkID)
            wrap = try Envelope.wrap(
                contentKey: contentKey, content: content, senderDevice: alice.device, preKey: fields, ratchet: &ratchet)
        } catch {
            throw VectorFailure("sealing: \(error)")
        }
        if valid {
            try vector.expect("content", equals: content)
            try vector.expect("wrap", equals: wrap.encoded)
        }

        // Bob's side, from the bytes alone.
        let opened = try vector.outcome { () throws -> [UInt8] in
            let parsed = try KeyWrap(parsing: wrap.encoded)
            guard let fields = parsed.preKey else { throw RatchetError.malformed("expected a pre-key wrap") }
            guard fields.signedPreKeyID == spkID else {
                throw RatchetError.unknownSignedPreKey(id: fields.signedPreKeyID)
            }
            let oneTime: X25519.PrivateKey?
            switch fields.oneTimePreKeyID {
            case nil: oneTime = nil
            case let id? where id == opkID && opkB != nil: oneTime = opkB
            case let id?: throw RatchetError.unknownOneTimePreKey(id: id)
            }
            let accepted = try Envelope.acceptPreKeyWrap(
                parsed, content: content, identity: ikB, signedPreKey: spkB, oneTimePreKey: oneTime,
                sender: alice.user, recipient: bob, using: RandomKeyPairs())
            _ = try Envelope.openPayload(
                content: content, contentKey: accepted.contentKey, channel: channel, author: alice.user,
                senderDevice: parsed.senderDevice)
            return try ContentCipher.open(
                content, contentKey: accepted.contentKey, channel: channel, author: alice.user
            )
            .exportBytes()
        }
        if let opened, opened != payload { throw VectorFailure("Bob opened other bytes than the payload") }
    }

    private static func keyID(_ value: Int64) throws(VectorFailure) -> UInt32 {
        guard let id = UInt32(exactly: value) else { throw VectorFailure("key id \(value) out of range") }
        return id
    }
}
