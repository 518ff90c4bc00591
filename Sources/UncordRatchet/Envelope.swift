public import Foundation
public import UncordCrypto

/// The steps that turn a payload into Uncord's `content` plus one key wrap per device, and back
/// (PROTOCOL.md section 5). Sessions drive these; they are public so other layers and the
/// conformance runner can run each step on its own.
public enum Envelope {
    /// Wraps `contentKey` for one recipient through `ratchet`: encrypts `CK || SHA-256(content)`.
    /// `preKey` is set while the session has not heard from the peer.
    public static func wrap(
        contentKey: SecureBytes, content: [UInt8], senderDevice: UUID, preKey: KeyWrap.PreKeyFields?,
        ratchet: inout DoubleRatchet
    ) throws(RatchetError) -> KeyWrap {
        let wrapped = try KeyWrap.plaintext(contentKey: contentKey, content: content)
        return KeyWrap(senderDevice: senderDevice, preKey: preKey, message: try ratchet.encrypt(wrapped))
    }

    /// The responder's side of a pre-key wrap: X3DH with the named pre-keys, a new ratchet, and the first message
    /// decrypted. Returns the new session state and the content key; nothing is stored here.
    /// - Parameters:
    ///   - wrap: the pre-key wrap addressed to this device.
    ///   - content: the message's encrypted content, whose key the wrap carries.
    ///   - identity: this device's identity key (the account key).
    ///   - signedPreKey: the private key of the wrap's `spk_id` (the caller looks it up; unknown → error there).
    ///   - oneTimePreKey: the private key of the wrap's `opk_id`, required exactly when the wrap names one.
    ///   - sender: the sending user, bound into the associated data.
    ///   - recipient: this device's address, bound into the associated data.
    ///   - keys: where the new ratchet's key pairs come from.
    public static func acceptPreKeyWrap(
        _ wrap: KeyWrap, content: [UInt8], identity: X25519.PrivateKey, signedPreKey: X25519.PrivateKey,
        oneTimePreKey: X25519.PrivateKey?, sender: UUID, recipient: DeviceAddress, using keys: some KeyPairSource
    ) throws(RatchetError) -> (ratchet: DoubleRatchet, contentKey: SecureBytes) {
        guard let fields = wrap.preKey else { throw .malformed("not a pre-key wrap") }
        if let id = fields.oneTimePreKeyID, oneTimePreKey == nil { throw .unknownOneTimePreKey(id: id) }
        if fields.oneTimePreKeyID == nil, oneTimePreKey != nil {
            throw .malformed("a one-time pre-key was given for a wrap that names none")
        }
        let sk = try X3DH.responderSecret(
            identity: identity, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey,
            peerIdentity: fields.identityKey, peerEphemeral: fields.ephemeralKey)
        let ad = X3DH.associatedData(
            initiatorIdentity: fields.identityKey, responderIdentity: identity.publicKey,
            initiator: DeviceAddress(user: sender, device: wrap.senderDevice), responder: recipient)
        var ratchet = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: signedPreKey)
        let contentKey = try ratchet.decrypt(wrap.message, using: keys) { (plaintext) throws(RatchetError) in
            try KeyWrap.contentKey(from: plaintext, content: content)
        }
        return (ratchet, contentKey)
    }

    /// Opens a ratchet wrap in an existing session; `ratchet` changes only on success.
    public static func openRatchetWrap(
        _ wrap: KeyWrap, content: [UInt8], ratchet: inout DoubleRatchet, using keys: some KeyPairSource
    ) throws(RatchetError) -> SecureBytes {
        try ratchet.decrypt(wrap.message, using: keys) { (plaintext) throws(RatchetError) in
            try KeyWrap.contentKey(from: plaintext, content: content)
        }
    }

    /// Decrypts the content with the key from a wrap and checks the payload: a valid UEDM/1 payload whose
    /// `sender_device` is the wrap's sender device.
    public static func openPayload(
        content: [UInt8], contentKey: SecureBytes, channel: UUID, author: UUID, senderDevice: UUID
    ) throws(RatchetError) -> MessagePayload {
        let bytes = try ContentCipher.open(content, contentKey: contentKey, channel: channel, author: author)
        let payload = try MessagePayload(decoding: bytes.exportBytes())
        guard payload.senderDevice == senderDevice else { throw .authenticationFailed(.senderDeviceMismatch) }
        return payload
    }
}
