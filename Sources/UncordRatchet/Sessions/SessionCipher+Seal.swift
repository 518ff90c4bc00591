public import Foundation
import UncordCrypto
public import UncordProtocol

extension SessionCipher {
    /// Encrypts a message for a DM channel: the content once, under a fresh content key, then one key wrap per
    /// recipient device — every listed device of every participant and of this user, never this device.
    ///
    /// A user's devices are those of its entry in `bundles` (a fresh `GET /users/{id}/keys`, which also replaces
    /// the cached list) or else the cached list. A device without a session gets one from its bundle: the
    /// signature is checked first, then the identity key against the pin (``TrustPolicy``), then X3DH. A bundle for
    /// a device that has a session is checked the same way and starts a new session only when it brings a
    /// different, accepted identity key, or when the device's record was archived (``SessionRecord/archive()``),
    /// which needs a bundle. Nothing is stored unless every wrap was made.
    ///
    /// ```swift
    /// let payload = MessagePayload(body: "hi", senderDevice: me.device, sentAt: "2025-01-01T00:00:00Z")
    /// let sealed = try cipher.seal(payload, channel: channel, participants: [bob], bundles: [bobsKeys], in: store)
    /// let request = sealed.request()   // POST /dm/{channel}/messages
    /// ```
    /// - Parameters:
    ///   - payload: the message; its `sender_device` must be this device.
    ///   - channel: the DM channel the message is posted to.
    ///   - participants: the channel's users; this user is added when missing.
    ///   - bundles: bundle lists fetched for this send, for users whose devices are not cached or lack sessions.
    ///   - store: the sessions, device lists and pins the send reads, and where its changes are committed.
    /// - Throws: ``RatchetError/messageTooLong(characters:)`` before anything else is done;
    ///   ``RatchetError/preKeyBundleRequired(user:device:)`` when a device list or a bundle is missing;
    ///   ``RatchetError/invalidSignedPreKeySignature``; ``RatchetError/identityChanged(_:)``; other
    ///   ``RatchetError`` cases for bad keys; the store's own errors unchanged.
    public func seal(
        _ payload: MessagePayload, channel: UUID, participants: some Sequence<UUID>, bundles: [UserKeyBundle] = [],
        in store: some RatchetStore
    ) throws -> SealedMessage {
        let local = try store.localIdentity()
        guard payload.senderDevice == local.address.device else {
            throw RatchetError.invalidPayload(field: "sender_device", reason: "is not this device")
        }
        let contentKey = SecureBytes(count: 32) { random.fill($0) }
        let content = try ContentCipher.seal(
            payload: try payload.encoded(), contentKey: contentKey,
            nonce: random.bytes(XChaCha20Poly1305.nonceByteCount), channel: channel, author: local.address.user)

        // `CK || SHA-256(content)`, the same for every recipient: hashed once.
        let wrapped = try KeyWrap.plaintext(contentKey: contentKey, content: content)
        var step = PendingStep()
        var wraps: [SealedMessage.AddressedWrap] = []
        let fetched = Dictionary(bundles.map { ($0.userID, $0) }, uniquingKeysWith: { _, last in last })
        var users = Self.unique(Array(participants))
        if !users.contains(local.address.user) { users.append(local.address.user) }
        for user in users {
            let devices: [UUID]
            var deviceBundles: [UUID: DeviceKeyBundle] = [:]
            if let list = fetched[user] {
                devices = Self.unique(list.devices.map(\.deviceID))
                step.changes.deviceLists[user] = devices
                deviceBundles = Dictionary(
                    list.devices.map { ($0.deviceID, $0) }, uniquingKeysWith: { _, last in last })
            } else if let cached = try store.devices(of: user) {
                devices = Self.unique(cached)
            } else {
                throw RatchetError.preKeyBundleRequired(user: user, device: nil)
            }
            wraps.reserveCapacity(wraps.count + devices.count)
            step.changes.sessionRecords.reserveCapacity(step.changes.sessionRecords.count + devices.count)
            for device in devices {
                let address = DeviceAddress(user: user, device: device)
                guard address != local.address else { continue }
                var record = try sessionRecord(
                    for: address, bundle: deviceBundles[device], local: local, store: store, step: &step)
                let wrap = try record.wrapWithActiveSession(wrapped, senderDevice: local.address.device)
                step.changes.sessionRecords[address] = consume record
                wraps.append(SealedMessage.AddressedWrap(recipient: address, bytes: wrap))
            }
        }
        try store.commit(step.takeChanges())
        return SealedMessage(content: content, wraps: wraps, notices: step.notices)
    }

    /// The record to wrap with for one recipient device: the stored one, or one with a new session from `wire`
    /// when there is no session or the bundle brings a different identity key that the trust policy accepts.
    private func sessionRecord(
        for address: DeviceAddress, bundle wire: DeviceKeyBundle?, local: LocalIdentity, store: some RatchetStore,
        step: inout PendingStep
    ) throws -> SessionRecord {
        let stored = try store.sessionRecord(for: address, step: .send)
        guard let wire else {
            guard let stored, !stored.isArchived else {
                throw RatchetError.preKeyBundleRequired(user: address.user, device: address.device)
            }
            return stored
        }
        let bundle = try PreKeyBundle(user: address.user, device: wire)
        try bundle.verifySignature()
        _ = try step.checkIdentity(
            bundle.identityKey, of: address, pinned: try store.pinnedIdentity(for: address), policy: trustPolicy)
        if var stored {
            guard stored.isArchived || stored.active.peerIdentity != bundle.identityKey else { return stored }
            stored.install(try Session.initiating(with: bundle, local: local, using: keyPairs))
            return stored
        }
        return SessionRecord(active: try Session.initiating(with: bundle, local: local, using: keyPairs))
    }

    /// The elements in their first order, without repeats.
    static func unique(_ ids: [UUID]) -> [UUID] {
        guard ids.count > 16 else {
            // Participant and device lists are short: a scan finds repeats without a Set's allocations and hashing,
            // and a list without any, the usual case, comes back as it is.
            guard ids.indices.contains(where: { ids[..<$0].contains(ids[$0]) }) else { return ids }
            var result: [UUID] = []
            for id in ids where !result.contains(id) { result.append(id) }
            return result
        }
        var seen = Set<UUID>(minimumCapacity: ids.count)
        return ids.filter { seen.insert($0).inserted }
    }
}
