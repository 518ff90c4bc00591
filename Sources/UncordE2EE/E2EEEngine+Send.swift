public import Foundation
import Logging
import UncordCrypto
import UncordProtocol
public import UncordRatchet
public import UncordStore

/// A send ready for `POST /dm/{channel}/messages`, queued in the store's outbox until ``E2EEEngine/markSent(_:messageID:)``.
public struct PreparedMessage: Sendable, Equatable {
    /// The outbox entry; its `body` is the exact request body, to be posted byte for byte (and again on a retry).
    public var entry: OutboxEntry
    /// The plaintext payload that was sealed.
    public var payload: MessagePayload
    /// Trust warnings met while fetching bundles for this send.
    public var warnings: [TrustWarning]

    /// The DM channel to post to.
    public var channel: UUID { entry.channel }
    /// The request body, byte for byte.
    public var body: [UInt8] { entry.body }
}

extension E2EEEngine {
    /// Encrypts `text` for every device of every participant (and this user's other devices) and queues the
    /// request in the outbox. The participants are `participants` together with the members the store already
    /// knows for the channel (``channelMembers(_:)``), so once a channel has been used `[]` is enough. Bundles are fetched first for users whose device list is unknown or older than the
    /// refresh age, or with a device lacking a usable session.
    ///
    /// ```swift
    /// let prepared = try await engine.prepareMessage(text: "hi", channel: channel, participants: [bob])
    /// let sent = try await api.sendMessage(channel: prepared.channel, body: prepared.body)
    /// try await engine.markSent(prepared, messageID: sent.id)
    /// ```
    /// - Throws: ``E2EEError/unknownMembers(channel:)`` when nobody else is known to be in the channel;
    ///   ``E2EEError/identityChanged(user:devices:)`` when a recipient is blocked by the trust rules
    ///   (before any session or outbox change); ``E2EEError/messageTooLong(characters:)``; server, store and
    ///   protocol errors.
    public func prepareMessage(
        text: String, channel: UUID, participants: [UUID], replyTo: UUID? = nil
    ) async throws(E2EEError) -> PreparedMessage {
        let payload = MessagePayload(
            body: text, senderDevice: local.device, sentAt: Self.rfc3339(now), replyTo: replyTo)
        return try await prepare(payload, channel: channel, participants: participants, replyTo: replyTo)
    }

    /// Encrypts an edit of message `messageID`: new content and new wraps, with `edit_of` naming the message.
    /// - Throws: as ``prepareMessage(text:channel:participants:replyTo:)``.
    public func prepareEdit(
        of messageID: UUID, text: String, channel: UUID, participants: [UUID]
    ) async throws(E2EEError) -> PreparedMessage {
        let payload = MessagePayload(
            body: text, senderDevice: local.device, sentAt: Self.rfc3339(now), editOf: messageID)
        return try await prepare(payload, channel: channel, participants: participants, replyTo: nil)
    }

    /// Clears the outbox entry of a send the server acknowledged with `messageID` and, in the same transaction,
    /// stores the sent payload in the history under that id, so ``UncordStore/SQLiteStore/message(id:)`` returns
    /// it and its gateway echo is recognised even after the engine is restarted.
    public func markSent(_ prepared: PreparedMessage, messageID: UUID) throws(E2EEError) {
        _ = try storeCall { try store.recordSent(prepared.entry, payload: prepared.payload, messageID: messageID) }
        logger.debug("send acknowledged")
    }

    /// Acknowledges a pending send by its outbox entry — as ``pendingSends()`` returns it, also after a
    /// restart — once the server accepted its body with `messageID`: the outbox row is cleared and the entry's
    /// payload stored in the history in one transaction, exactly as ``markSent(_:messageID:)`` does for the
    /// ``PreparedMessage`` it came from.
    ///
    /// ```swift
    /// for entry in try await engine.pendingSends() {
    ///     let sent = try await api.sendMessage(channel: entry.channel, body: entry.body)
    ///     try await engine.markSent(entry, messageID: sent.id)
    /// }
    /// ```
    /// - Returns: the message as stored in the history, or `nil` for a row queued before the store kept payloads
    ///   (schema version 3): that row is cleared, but there is no plaintext to record.
    @discardableResult
    public func markSent(_ entry: OutboxEntry, messageID: UUID) throws(E2EEError) -> StoredMessage? {
        let stored = try storeCall { try store.recordSent(entry, messageID: messageID) }
        if stored == nil {
            logger.notice("send acknowledged; its outbox row predates stored payloads, so the history lacks it")
        } else {
            logger.debug("pending send acknowledged")
        }
        return stored
    }

    /// The sends not yet acknowledged, oldest first, each with its payload; post each body unchanged, then
    /// acknowledge it with `markSent(entry, messageID:)`. Their gateway echoes are recognised from
    /// now on, also when this engine was opened after they were prepared.
    public func pendingSends() throws(E2EEError) -> [OutboxEntry] {
        let entries = try storeCall { try store.pendingSends() }
        for entry in entries {
            guard let payload = entry.payload,
                let request = try? WireJSON.decode(SendMessageRequest.self, from: entry.body)
            else { continue }
            sentContents[request.content] = (entry.channel, payload)
        }
        return entries
    }

    private func prepare(
        _ payload: MessagePayload, channel: UUID, participants: [UUID], replyTo: UUID?
    ) async throws(E2EEError) -> PreparedMessage {
        let known = try storeCall { try store.members(of: channel) }
        var users: [UUID] = []
        for user in participants + known + [local.user] where !users.contains(user) { users.append(user) }
        guard users.count > 1 else { throw .unknownMembers(channel: channel) }
        try checkNotBlocked(users)

        var bundles: [UserKeyBundle] = []
        var warnings: [TrustWarning] = []
        var fromRefresh: [UUID] = []
        for user in users where try needsBundle(user) {
            if let kept = freshRefreshedBundle(of: user) {
                bundles.append(kept)
                fromRefresh.append(user)
                continue
            }
            let (bundle, events) = try await fetchUsableBundle(of: user)
            for case .trustWarning(let warning) in events { warnings.append(warning) }
            bundles.append(bundle)
        }
        try checkNotBlocked(users)

        let entry = try storeCall {
            try store.send(
                payload, channel: channel, participants: users, bundles: bundles, replyTo: replyTo,
                using: sendingCipher)
        }
        // A kept bundle is spent once its list and sessions are committed: its one-time pre-keys are never reused.
        for user in fromRefresh { refreshedBundles[user] = nil }
        let prepared = PreparedMessage(entry: entry, payload: payload, warnings: warnings)
        if let request = try? WireJSON.decode(SendMessageRequest.self, from: entry.body) {
            sentContents[request.content] = (channel, payload)
        }
        return prepared
    }

    /// Fetches `user`'s bundle list (one one-time pre-key consumed per device on the server), drops devices whose
    /// signed pre-key signature is bad and devices that are not `user`'s to list — this device, or a device pinned
    /// for another user — then applies the trust rules to each identity key left.
    /// - Returns: the usable list (this device kept in its own user's list, so the list is complete) and the trust
    ///   events met (`.newDevice`, `.trustWarning`).
    /// - Throws: ``E2EEError/noBundle(user:)`` when the server answered another user's list, or dropped every device
    ///   it listed (nothing is pinned then); ``E2EEError/server(detail:)`` when the fetch failed.
    func fetchUsableBundle(of user: UUID) async throws(E2EEError) -> (UserKeyBundle, [AppEvent]) {
        let bundle: UserKeyBundle
        do {
            bundle = try await server.keyBundle(of: user)
        } catch {
            throw Self.serverError(error)
        }
        guard bundle.userID == user else {
            logger.warning("the server answered another user's pre-key bundles; refused")
            throw .noBundle(user: user)
        }
        let othersDevices = try storeCall { try devicesPinned(forUsersOtherThan: user) }
        var checked: [(wire: DeviceKeyBundle, bundle: PreKeyBundle)] = []
        for device in bundle.devices where DeviceAddress(user: user, device: device.deviceID) != local {
            guard device.deviceID != local.device, !othersDevices.contains(device.deviceID) else {
                logger.warning("a pre-key bundle lists a device of another user; skipped")
                continue
            }
            guard let verified = try? PreKeyBundle(user: user, device: device), (try? verified.verifySignature()) != nil
            else {
                logger.warning("a device's pre-key bundle has a bad signature; skipped")
                continue
            }
            checked.append((device, verified))
        }
        let listedOthers = bundle.devices.contains { DeviceAddress(user: user, device: $0.deviceID) != local }
        if checked.isEmpty && listedOthers { throw .noBundle(user: user) }
        var usable: [DeviceKeyBundle] = []
        var events: [AppEvent] = []
        for (wire, verified) in checked {
            events += try storeCall { try observeIdentity(verified.identityKey, of: verified.address) }
            usable.append(wire)
        }
        if bundle.devices.contains(where: { $0.deviceID == local.device }), user == local.user {
            // This device stays in its own user's list so the list is complete; it never gets a wrap.
            usable += bundle.devices.filter { $0.deviceID == local.device }
        }
        return (UserKeyBundle(userID: user, devices: usable), events)
    }

    /// The device ids pinned for any user but `user` (this user's other devices included).
    private func devicesPinned(forUsersOtherThan user: UUID) throws -> Set<UUID> {
        var devices: Set<UUID> = []
        for other in try store.peerUsers() where other != user {
            for record in try store.peerDevices(of: other) { devices.insert(record.address.device) }
        }
        return devices
    }

    /// The bundle list kept from a refresh on a message from an unknown device, while younger than the refresh age.
    func freshRefreshedBundle(of user: UUID) -> UserKeyBundle? {
        guard let kept = refreshedBundles[user] else { return nil }
        guard now.timeIntervalSince(kept.fetchedAt) < configuration.deviceListRefreshAge else {
            refreshedBundles[user] = nil
            return nil
        }
        return kept.bundle
    }

    private func checkNotBlocked(_ users: [UUID]) throws(E2EEError) {
        for user in users {
            let blocked = try storeCall { try store.peerDevices(of: user).filter(\.sendBlocked) }
            if !blocked.isEmpty { throw .identityChanged(user: user, devices: blocked.map(\.address.device)) }
        }
    }

    /// Whether sending to `user` needs a fresh bundle list: no cached list, a list older than the refresh age, or
    /// a listed device without a session whose peer key is the pinned one, or whose sessions were archived.
    private func needsBundle(_ user: UUID) throws(E2EEError) -> Bool {
        try storeCall {
            guard let devices = try store.devices(of: user), let fetched = try store.deviceListFetchedAt(of: user),
                now.timeIntervalSince(fetched) < configuration.deviceListRefreshAge
            else { return true }
            for device in devices {
                let address = DeviceAddress(user: user, device: device)
                guard address != local else { continue }
                guard let record = try store.sessionRecord(for: address), !record.isArchived,
                    let pinned = try store.pinnedIdentity(for: address), record.active.peerIdentity == pinned.key
                else { return true }
            }
            return false
        }
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
