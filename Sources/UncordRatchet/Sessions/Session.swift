import Foundation
public import UncordCrypto

/// One pairwise session with a peer device: a Double Ratchet plus what the sessions layer needs around it
/// (PROTOCOL.md section 6).
public struct Session: Sendable, Equatable {
    /// The ratchet state.
    public internal(set) var ratchet: DoubleRatchet
    /// The peer device's identity key the session was agreed with.
    public let peerIdentity: X25519.PublicKey
    /// The initiator's ephemeral key of the X3DH run that started the session; it tells a repeated pre-key wrap of
    /// this session from one that starts a new session.
    public let baseKey: X25519.PublicKey
    /// `true` when this device started the session (it was the X3DH initiator).
    public let initiatedLocally: Bool
    /// The X3DH fields every wrap carries until the session has received a message from the peer; `nil` once it
    /// has, and always `nil` for a session the peer started.
    public internal(set) var pendingPreKey: KeyWrap.PreKeyFields?

    /// A session from its parts, for stores that load one back.
    public init(
        ratchet: DoubleRatchet, peerIdentity: X25519.PublicKey, baseKey: X25519.PublicKey, initiatedLocally: Bool,
        pendingPreKey: KeyWrap.PreKeyFields?
    ) {
        self.ratchet = ratchet
        self.peerIdentity = peerIdentity
        self.baseKey = baseKey
        self.initiatedLocally = initiatedLocally
        self.pendingPreKey = pendingPreKey
    }

    /// `true` when `fields` are the X3DH fields of this session's own start.
    func started(by fields: KeyWrap.PreKeyFields) -> Bool {
        !initiatedLocally && baseKey == fields.ephemeralKey && peerIdentity == fields.identityKey
    }
}

extension Session {
    /// Starts a session as the X3DH initiator with a bundle whose signature and identity were already checked.
    static func initiating(
        with bundle: PreKeyBundle, local: LocalIdentity, using keys: some KeyPairSource
    ) throws(RatchetError) -> Session {
        let ephemeral = try keys.nextKeyPair()
        let secret = try X3DH.initiatorSecret(
            identity: local.keyPair, ephemeral: ephemeral, peerIdentity: bundle.identityKey,
            peerSignedPreKey: bundle.signedPreKey, peerOneTimePreKey: bundle.oneTimePreKey?.key)
        let ad = X3DH.associatedData(
            initiatorIdentity: local.keyPair.publicKey, responderIdentity: bundle.identityKey,
            initiator: local.address, responder: bundle.address)
        let ratchet = try DoubleRatchet.initiator(
            sharedSecret: secret, associatedData: ad, peerSignedPreKey: bundle.signedPreKey, using: keys)
        let fields = KeyWrap.PreKeyFields(
            identityKey: local.keyPair.publicKey, ephemeralKey: ephemeral.publicKey,
            signedPreKeyID: bundle.signedPreKeyID, oneTimePreKeyID: bundle.oneTimePreKey?.id)
        return Session(
            ratchet: ratchet, peerIdentity: bundle.identityKey, baseKey: ephemeral.publicKey, initiatedLocally: true,
            pendingPreKey: fields)
    }

    /// Wraps a content key for the peer (`wrapped` = `CK || SHA-256(content)`): a pre-key wrap while
    /// ``pendingPreKey`` is set, a ratchet wrap after. Returns the wrap's ``KeyWrap/encoded`` bytes, the ratchet's
    /// header and ciphertext written straight into them.
    mutating func encodedWrap(_ wrapped: SecureBytes, senderDevice: UUID) throws(RatchetError) -> [UInt8] {
        try KeyWrap.encoded(
            senderDevice: senderDevice, preKey: pendingPreKey,
            messageByteCount: RatchetHeader.byteCount + wrapped.count + XChaCha20Poly1305.tagByteCount
        ) { (message) throws(RatchetError) in
            try ratchet.encrypt(wrapped, into: message)
        }
    }

    /// Decrypts a ratchet message; on success the session has heard from the peer, so it stops sending pre-key
    /// wraps. On failure nothing changes.
    mutating func decrypt<Output>(
        _ message: RatchetMessage, using keys: some KeyPairSource,
        accepting accept: (SecureBytes) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        let output = try ratchet.decrypt(message, using: keys, accepting: accept)
        pendingPreKey = nil
        return output
    }
}
