public import Foundation
import UncordCrypto
public import UncordProtocol

extension SessionCipher {
    /// Decrypts a message from its content and the key wrap addressed to this device.
    ///
    /// A pre-key wrap that repeats the start of a session still kept is read in that session; any other pre-key
    /// wrap starts a new session, which becomes the active one: the identity key is checked against the pin
    /// first, then the signed pre-key (current, or retired within grace) and the one-time pre-key are looked up —
    /// a one-time pre-key that is unknown or already used fails, never falling back to X3DH without it — and the
    /// one-time pre-key is deleted in the same commit that stores the session. A ratchet wrap is tried in the
    /// active session, then the earlier ones most recent first; the one that decrypts becomes the active one.
    /// Then the wrap's digest is checked against the content, the content opened with the channel and the
    /// server-attested author, and the payload's `sender_device` compared with the wrap's. Nothing is stored
    /// unless every check passed.
    ///
    /// ```swift
    /// let opened = try cipher.open(content: content, wrap: wrap, channel: channel, author: message.author.id,
    ///                              in: store)
    /// print(opened.payload.body, opened.sender)
    /// ```
    /// - Throws: ``RatchetError/duplicateMessage`` or ``RatchetError/authenticationFailed(_:)`` for a replay or a
    ///   message no kept session can read; ``RatchetError/noSession(_:)``; ``RatchetError/unknownSignedPreKey(id:)``;
    ///   ``RatchetError/unknownOneTimePreKey(id:)``; ``RatchetError/identityChanged(_:)``; other ``RatchetError``
    ///   cases for malformed input; the store's own errors unchanged.
    public func open(
        content: [UInt8], wrap wrapBytes: [UInt8], channel: UUID, author: UUID, in store: some RatchetStore
    ) throws -> OpenedMessage {
        let local = try store.localIdentity()
        let wrap = try KeyWrap(parsing: wrapBytes)
        let sender = DeviceAddress(user: author, device: wrap.senderDevice)
        guard sender != local.address else { throw RatchetError.malformed("a key wrap from this device itself") }

        var step = PendingStep()
        let stored = try store.sessionRecord(for: sender, step: .receive(wrap.message.header))
        var record: SessionRecord
        let payload: MessagePayload
        let identityKey: X25519.PublicKey
        var startedSession = false
        // The digest and the content are checked inside the decryption, so a wrap that does not belong to this
        // content, or content that does not open, fails before any ratchet state changes or any key pair is drawn.
        let accept = { (plaintext: SecureBytes) throws(RatchetError) -> MessagePayload in
            let contentKey = try KeyWrap.contentKey(from: plaintext, content: content)
            return try Envelope.openPayload(
                content: content, contentKey: contentKey, channel: channel, author: author,
                senderDevice: sender.device)
        }
        if let fields = wrap.preKey, let stored, let index = stored.indexOfSession(startedBy: fields) {
            record = stored
            identityKey = record.sessions[index].peerIdentity
            let pinned = try store.pinnedIdentity(for: sender)?.key
            payload = try record.decrypt(
                wrap.message, inSessionAt: index, using: keyPairs, promoting: pinned == identityKey,
                accepting: accept)
        } else if let fields = wrap.preKey {
            // A session this store accepted once and no longer keeps (evicted, or its record replaced): a replay.
            if try store.acceptedSession(baseKey: fields.ephemeralKey, from: sender) {
                throw RatchetError.duplicateMessage
            }
            let session: Session
            (session, payload) = try acceptSession(
                wrap: wrap, fields: fields, sender: sender, local: local, store: store, step: &step, accept: accept)
            identityKey = fields.identityKey
            if var stored {
                stored.install(session)
                record = stored
            } else {
                record = SessionRecord(active: session)
            }
            step.changes.acceptedBaseKeys.append(
                .init(address: sender, baseKey: fields.ephemeralKey, signedPreKeyID: fields.signedPreKeyID))
            startedSession = true
        } else {
            guard let stored else { throw RatchetError.noSession(sender) }
            record = stored
            let pinned = try store.pinnedIdentity(for: sender)?.key
            var used: X25519.PublicKey?
            payload = try record.decrypt(
                wrap.message, using: keyPairs, promoting: { $0.peerIdentity == pinned },
                accepting: { (plaintext: SecureBytes, session: Session) throws(RatchetError) -> MessagePayload in
                    let opened = try accept(plaintext)
                    used = session.peerIdentity
                    return opened
                })
            guard let used else { throw RatchetError.noSession(sender) }
            identityKey = used
        }

        step.changes.sessionRecords[sender] = record
        try store.commit(step.takeChanges())
        return OpenedMessage(
            payload: payload, sender: sender, identityKey: identityKey, startedSession: startedSession,
            notices: step.notices)
    }

    /// Decrypts a message as the server delivers it: the base64 content, the wrap addressed to this device (as
    /// `device_id` `""` or this device's id), the channel, and the author the server attests.
    /// - Throws: ``RatchetError/notAddressedToThisDevice`` when no wrap is for this device, and whatever
    ///   ``open(content:wrap:channel:author:in:)`` throws.
    public func open(_ message: Message, in store: some RatchetStore) throws -> OpenedMessage {
        let local = try store.localIdentity()
        guard let wrap = message.wrap(for: local.address.device) else { throw RatchetError.notAddressedToThisDevice }
        let content: [UInt8]
        do { content = try Base64.decode(message.content) } catch {
            throw RatchetError.malformed("the content is not base64")
        }
        return try open(
            content: content, wrap: wrap.encryptedKey, channel: message.channelID, author: message.author.id,
            in: store)
    }

    /// The responder's side of a pre-key wrap that starts a new session: identity check, pre-key look-ups,
    /// X3DH and the first decryption. Records the pin and the consumed one-time pre-key in `step`.
    private func acceptSession(
        wrap: KeyWrap, fields: KeyWrap.PreKeyFields, sender: DeviceAddress, local: LocalIdentity,
        store: some RatchetStore, step: inout PendingStep,
        accept: (SecureBytes) throws(RatchetError) -> MessagePayload
    ) throws -> (Session, MessagePayload) {
        _ = try step.checkIdentity(
            fields.identityKey, of: sender, pinned: try store.pinnedIdentity(for: sender), policy: trustPolicy)
        guard let signedPreKey = try store.signedPreKey(id: fields.signedPreKeyID) else {
            throw RatchetError.unknownSignedPreKey(id: fields.signedPreKeyID)
        }
        var oneTimePreKey: X25519.PrivateKey?
        if let id = fields.oneTimePreKeyID {
            guard let key = try store.oneTimePreKey(id: id) else { throw RatchetError.unknownOneTimePreKey(id: id) }
            oneTimePreKey = key
            step.changes.consumedOneTimePreKeys.insert(id)
        }
        let secret = try X3DH.responderSecret(
            identity: local.keyPair, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey,
            peerIdentity: fields.identityKey, peerEphemeral: fields.ephemeralKey)
        let ad = X3DH.associatedData(
            initiatorIdentity: fields.identityKey, responderIdentity: local.keyPair.publicKey, initiator: sender,
            responder: local.address)
        var ratchet = DoubleRatchet.responder(sharedSecret: secret, associatedData: ad, signedPreKey: signedPreKey)
        let payload = try ratchet.decrypt(wrap.message, using: keyPairs, accepting: accept)
        let session = Session(
            ratchet: ratchet, peerIdentity: fields.identityKey, baseKey: fields.ephemeralKey, initiatedLocally: false,
            pendingPreKey: nil)
        return (session, payload)
    }
}
