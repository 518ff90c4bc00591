public import Foundation
import Logging
import UncordCrypto
import UncordProtocol
import UncordRatchet
public import UncordStore

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

    /// Encrypts this user's delete of message `messageID` (Uncord has no DM delete route): a payload of type
    /// `MessagePayload.deleteType` naming it in `edit_of`, sent like any message. Receivers erase the
    /// message only when it is this user's in that channel; ``markSent(_:messageID:)->()`` erases the local copy.
    /// - Throws: as ``prepareMessage(text:channel:participants:replyTo:)``.
    public func prepareDelete(
        of messageID: UUID, channel: UUID, participants: [UUID]
    ) async throws(E2EEError) -> PreparedMessage {
        let payload = MessagePayload(
            type: MessagePayload.deleteType, body: "", senderDevice: local.device, sentAt: Self.rfc3339(now),
            editOf: messageID)
        return try await prepare(payload, channel: channel, participants: participants, replyTo: nil)
    }

    /// Clears the outbox entry of a send the server acknowledged with `messageID` and, in the same transaction,
    /// stores the sent payload in the history under that id, so `SQLiteStore.message(id:)` returns
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
            sentContents[request.content] = (entry.channel, payload, nil)
        }
        return entries
    }

    func prepare(
        _ payload: MessagePayload, channel: UUID, participants: [UUID], replyTo: UUID?
    ) async throws(E2EEError) -> PreparedMessage {
        // Refused before any bundle is fetched or pin written.
        let payloadBytes = try storeCall { try payload.encoded() }
        let characters = ContentCipher.contentCharacters(forPayloadOf: payloadBytes.count)
        guard characters <= ContentCipher.maximumCharacters else { throw .messageTooLong(characters: characters) }
        let known = try storeCall { try store.members(of: channel) }
        var users: [UUID] = []
        for user in participants + known + [local.user] where !users.contains(user) { users.append(user) }
        guard users.count > 1 else { throw .unknownMembers(channel: channel) }
        try checkNotBlocked(users)

        // A send that must fetch a list runs in one process at a time, from the judgement to the sealed sessions:
        // the fetch spends one-time pre-keys, and another process sharing the store may have set the sessions up
        // by the time this one's turn comes (so the lists are asked for again inside the lease).
        var fetchesLists = false
        for user in users where try needsBundle(user) { fetchesLists = true }
        let sealed =
            fetchesLists
            ? await judgeAndSealInTurn(payload, channel: channel, users: users, replyTo: replyTo)
            : await judgeAndSeal(payload, channel: channel, users: users, replyTo: replyTo)
        let (entry, events) = try sealed.get()
        let warnings = events.compactMap { event -> TrustWarning? in
            if case .trustWarning(let warning) = event { return warning }
            return nil
        }
        let prepared = PreparedMessage(entry: entry, payload: payload, warnings: warnings, events: events)
        if let request = try? WireJSON.decode(SendMessageRequest.self, from: entry.body) {
            sentContents[request.content] = (channel, payload, nil)
        }
        return prepared
    }

    /// ``judgeAndSeal(_:channel:users:replyTo:)`` holding the `device-lists` lease (a lease that cannot be had in
    /// time, its holder hung, does not stop the send).
    private func judgeAndSealInTurn(
        _ payload: MessagePayload, channel: UUID, users: [UUID], replyTo: UUID?
    ) async -> Result<(OutboxEntry, [AppEvent]), E2EEError> {
        let inTurn = await withLease(EngineLease.deviceLists, waiting: .seconds(EngineLease.duration + 5)) {
            await judgeAndSeal(payload, channel: channel, users: users, replyTo: replyTo)
        }
        if let inTurn { return inTurn }
        return await judgeAndSeal(payload, channel: channel, users: users, replyTo: replyTo)
    }

    /// Judges every list the send needs (each user whose outcome refuses sending refuses the whole send: no
    /// partial sends), then seals the payload for every authorized device and records it in the outbox, in one
    /// transaction. What the judgements found reaches the app also when the send is refused.
    private func judgeAndSeal(
        _ payload: MessagePayload, channel: UUID, users: [UUID], replyTo: UUID?
    ) async -> Result<(OutboxEntry, [AppEvent]), E2EEError> {
        var bundles: [UserKeyBundle] = []
        var events: [AppEvent] = []
        var fromRefresh: [UUID] = []
        var refusal: E2EEError?
        do throws(E2EEError) {
            for user in users where try needsBundle(user) {
                if let kept = freshRefreshedBundle(of: user) {
                    bundles.append(kept)
                    fromRefresh.append(user)
                    continue
                }
                let judged = try await judgeDeviceListNow(of: user)
                events += judged.events
                if !judged.sendAllowed, user != local.user, refusal == nil {
                    refusal = try sendRefusal(for: user, outcome: judged.outcome)
                }
                bundles.append(judged.bundle)
            }
            if let refusal { throw refusal }
            try checkNotBlocked(users)
            let entry = try storeCall {
                try store.send(
                    payload, channel: channel, participants: users, bundles: bundles, replyTo: replyTo,
                    using: sendingCipher)
            }
            // A kept bundle is spent once its list and sessions are committed: its one-time pre-keys are never
            // reused.
            for user in fromRefresh { refreshedBundles[user] = nil }
            return .success((entry, events))
        } catch {
            undeliveredEvents += events
            return .failure(error)
        }
    }

    /// The error a send to `user` fails with when its device list does not allow sending.
    private func sendRefusal(for user: UUID, outcome: DeviceAuthorization.Outcome) throws(E2EEError) -> E2EEError {
        switch outcome {
        case .changed: .identityChanged(user: user, devices: try changedDevices(of: user))
        case .ambiguous: .ambiguousIdentity(user: user)
        case .keep, .pinned:
            if try storeCall({ try store.peerIdentity(of: user)?.sendBlocked }) == true {
                .identityChanged(user: user, devices: try changedDevices(of: user))
            } else {
                .noBundle(user: user)
            }
        }
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
        for user in users where user != local.user {
            if try storeCall({ try store.peerIdentity(of: user)?.sendBlocked }) == true {
                throw .identityChanged(user: user, devices: try changedDevices(of: user))
            }
        }
    }

    /// Whether sending to `user` needs a fresh bundle list: no cached list, a list older than the refresh age, or
    /// a listed device without a session whose peer key is the pinned one, or whose sessions were archived.
    private func needsBundle(_ user: UUID) throws(E2EEError) -> Bool {
        if suspectLists.contains(user) { return true }
        return try storeCall {
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

    /// A payload's `sent_at`: RFC 3339 to the second, of `date` rounded to the nearest millisecond first (half a
    /// millisecond up), as the `ISO8601DateFormatter` this replaced wrote it.
    static func rfc3339(_ date: Date) -> String {
        let sinceReferenceDate = date.timeIntervalSinceReferenceDate + Date.timeIntervalBetween1970AndReferenceDate
        let milliseconds = (sinceReferenceDate * 1000 + 0.5).rounded(.down)
        return Timestamp(Date(timeIntervalSince1970: (milliseconds / 1000).rounded(.down))).text
    }
}
