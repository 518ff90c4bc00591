import Foundation
import Logging
import UncordCrypto
public import UncordProtocol
import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// Handles one gateway frame as the gateway client received it (`GatewayClient.frames`) and returns the app
    /// events it gives, in order. The frame is used as it was parsed: neither its text nor its `d` is read again.
    ///
    /// Bytes that are not a frame, and every frame the engine does not act on, come back as
    /// ``AppEvent/passthrough(bytes:frame:)`` with the very same bytes. Never throws: a frame the engine cannot
    /// use becomes a typed event or a passthrough.
    /// Events a refused send met (``PreparedMessage/events`` of a send that threw) come first.
    ///
    /// ```swift
    /// for await frame in gateway.frames { for event in await engine.process(frame) { app.handle(event) } }
    /// ```
    public func process(_ received: ReceivedFrame) async -> [AppEvent] {
        guard let frame = received.frame else {
            logger.debug("not a gateway frame; passed through")
            return takeUndelivered() + [.passthrough(bytes: received.bytes, frame: nil)]
        }
        return takeUndelivered() + (await process(frame, received))
    }

    /// Handles one gateway frame given as its text bytes (read once, then as ``process(_:)``).
    public func process(frame bytes: [UInt8]) async -> [AppEvent] {
        await process(ReceivedFrame(bytes: bytes))
    }

    /// Handles one decoded gateway frame; a passthrough carries the frame's encoding.
    public func process(frame: Frame) async -> [AppEvent] {
        await process(ReceivedFrame(frame))
    }

    /// The events a refused send met (a trust warning, a refused device), now rather than with the next frame.
    ///
    /// ```swift
    /// do { _ = try await engine.prepareMessage(text: t, channel: c, participants: []) }
    /// catch { for event in await engine.takeUndelivered() { app.handle(event) } }
    /// ```
    public func takeUndelivered() -> [AppEvent] {
        defer { undeliveredEvents = [] }
        return undeliveredEvents
    }

    private func process(_ frame: Frame, _ received: ReceivedFrame) async -> [AppEvent] {
        let passthrough = AppEvent.passthrough(bytes: received.bytes, frame: frame)
        guard frame.op == .dispatch, let type = frame.type else { return [passthrough] }
        switch type {
        case .ready:
            // A new gateway session: IDENTITY_KEY_CHANGED events sent while this device was away are not replayed,
            // so every device list is fetched again before the next send to its user.
            do {
                try store.markAllDeviceListsStale()
            } catch {
                logger.warning("could not mark device lists stale", metadata: ["error": "\(error)"])
            }
            // This account's own list is judged at once: a device linked (or added by the server) while this one was
            // away is reported now, not at the next send.
            let own = await checkOwnDevices()
            let count = await syncKeys()
            let missed = await catchUp()
            return own + (count > 0 ? [.keysReplenished(count: count)] : []) + missed + [passthrough]
        case .resumed:
            // The real server replays only what it queued while the connection was still registered: events
            // published after it noticed the drop are lost, so RESUMED catches up as READY does (duplicates are
            // dropped by message id).
            let count = await syncKeys()
            let missed = await catchUp()
            return (count > 0 ? [.keysReplenished(count: count)] : []) + missed + [passthrough]
        case .dmChannelCreate:
            if let channel = try? received.decodeData(as: DMChannel.self) {
                do {
                    try store.rememberKind(channel.kind, of: channel.id)
                } catch {
                    logger.warning("could not record a channel's kind", metadata: ["error": "\(error)"])
                }
            }
            return [passthrough]
        case .dmMessageCreate, .dmMessageUpdate:
            guard let message = try? received.decodeData(as: Message.self) else { return [passthrough] }
            guard message.encrypted else { return [passthrough] }
            return await receive(message, isEdit: type == .dmMessageUpdate)
        case .dmMessageDelete:
            // The server cannot delete for the author: a stored message of that channel is only marked.
            guard let delete = try? received.decodeData(as: MessageDelete.self) else { return [passthrough] }
            do {
                guard try store.markRemovedByServer(messageID: delete.id, channel: delete.channelID) else {
                    return [passthrough]
                }
            } catch {
                logger.warning("could not mark a message removed", metadata: ["error": "\(error)"])
                return [passthrough]
            }
            return [.messageRemovedByServer(id: delete.id, channel: delete.channelID)]
        case .keyBundleLow:
            guard let low = try? received.decodeData(as: KeyBundleLow.self) else { return [passthrough] }
            guard low.deviceID == local.device else { return [passthrough] }
            let count = await replenishOneTimePreKeys()
            return count > 0 ? [.keysReplenished(count: count)] : []
        case .identityKeyChanged:
            guard let change = try? received.decodeData(as: IdentityKeyChanged.self),
                let key = try? X25519.PublicKey(bytes: change.identityKey)
            else { return [passthrough] }
            guard XEdDSA.isValidPublicKey(key) else {
                logger.warning("IDENTITY_KEY_CHANGED names a key no device can hold (low-order or non-canonical)")
                return [passthrough]
            }
            guard change.userID != local.user || change.deviceID != local.device else { return [] }
            // The event itself decides nothing (the server could send anything): the user's list is judged again.
            refreshedBundles[change.userID] = nil
            let events = await judgeQuietly(change.userID)
            // Registration fires the event before the device uploads its signed pre-key: the next send judges the
            // list again rather than trusting this early answer.
            try? store.markDeviceListStale(of: change.userID)
            return events
        default:
            return [passthrough]
        }
    }

    // MARK: Receiving

    func receive(_ message: Message, isEdit: Bool) async -> [AppEvent] {
        var message = message
        if message.wrap(for: local.device) == nil {
            if !isEdit, message.author.id == local.user, let copy = ownSendPostedTwice(message) { return copy }
            if message.author.id == local.user, let payload = ownSend(message) {
                if payload.type == MessagePayload.deleteType, let target = payload.editOf {
                    return [.messageDeleted(id: target, channel: message.channelID)]
                }
                // This device's own session recovery message: never shown.
                if payload.type == MessagePayload.sessionResetType { return [] }
                let decrypted = DecryptedMessage(
                    id: message.id, channel: message.channelID, sender: local, payload: payload, trust: nil,
                    editedAt: message.editedAt?.text)
                return [isEdit ? .messageEdited(decrypted) : .message(decrypted)]
            }
            if isEdit == false, let stored = try? store.message(id: message.id) {
                // A replay, or a message another process sharing the store decrypted first.
                return storedElsewhere(stored)
            }
            // This device's own send posted twice, whose first copy is in the history (after a restart).
            if !isEdit, message.author.id == local.user, let original = try? store.originalOfCopy(message) {
                return reportCopy(message.id, of: original)
            }
            switch await fetchWrap(for: message) {
            case .found(let wrap): message.messageKeys = [wrap]
            case .listedWithoutKey:
                return [.undecryptable(messageID: message.id, reason: .noKeyForThisDevice)]
                    + noteMissingKey(from: message.author.id)
            case .unavailable:
                return [.undecryptable(messageID: message.id, reason: .noKeyForThisDevice)]
            }
        }
        missingKeyStreak = 0  // the server delivered a key for this device
        var events: [AppEvent] = []
        var received: ReceivedMessage
        switch receiveOnce(message, isEdit: isEdit) {
        case .success(let value): received = value
        case .failure(.foreignIdentityKey(let sender)):
            // A pre-key wrap made with a key that is not the user's pin never changes the pin by itself: the
            // user's list is judged again, and the message is read only if its key is the pin that results.
            // At most one judgement per sender and key a minute: a new key of a known device gets its own.
            let key = message.wrap(for: local.device).flatMap {
                try? KeyWrap(parsing: $0.encryptedKey).preKey?.identityKey
            }
            let refresh = await refreshDeviceList(of: sender.user, for: sender, key: key, force: true)
            events += refresh.events
            if refresh.failed {
                logger.notice("message undecryptable", metadata: ["reason": "sender's device list unavailable"])
                return events + [.undecryptable(messageID: message.id, reason: .identityUnconfirmed)]
            }
            switch receiveOnce(message, isEdit: isEdit) {
            case .success(let value): received = value
            case .failure(let failure): return events + (await undecryptable(message, failure))
            }
        case .failure(let failure): return await undecryptable(message, failure)
        }
        if let original = received.duplicateOf { return reportCopy(message.id, of: original) }
        if received.wasAlreadyStored { return isEdit ? [] : storedElsewhere(received.message) }
        delivered.insert(message.id)
        if received.membership == .pending {
            events.append(.memberAdded(channel: message.channelID, user: received.message.sender.user))
        }
        if isUnknownDevice(received.message.sender) {
            events += await refreshDeviceList(of: received.message.sender.user, for: received.message.sender).events
        }
        if let deleted = received.deleted {
            events.append(.messageDeleted(id: deleted, channel: message.channelID))
            return events
        }
        if received.message.payload.type == MessagePayload.sessionResetType {
            // Its session, new, is now the active one with the sender's device: nothing else to do or show.
            logger.info("a peer device started a new session after losing ours")
            return events
        }
        let trust = trustLabel(of: received)
        let decrypted = DecryptedMessage(
            id: message.id, channel: message.channelID, sender: received.message.sender,
            payload: received.message.payload, trust: trust, editedAt: received.message.editedAt)
        events.append(isEdit ? .messageEdited(decrypted) : .message(decrypted))
        return events
    }

    /// The event for this engine's own send echoed again under a second id (the server took it twice), recognised
    /// from the sends it remembers; `nil` when it is not one.
    private func ownSendPostedTwice(_ message: Message) -> [AppEvent]? {
        guard let sent = sentContents[message.content], let first = sent.messageID, first != message.id,
            sent.channel == message.channelID
        else { return nil }
        return reportCopy(message.id, of: first)
    }

    /// A second copy of a post (``AppEvent/duplicate(id:of:)``), reported once per engine run.
    private func reportCopy(_ id: UUID, of original: UUID) -> [AppEvent] {
        guard delivered.insert(id) else { return [] }
        logger.info("the server holds a post twice; the second copy is not shown")
        return [.duplicate(id: id, of: original)]
    }

    /// A stored message this engine did not decrypt: handed to the app once — another process sharing the store
    /// (a notification extension, the CLI) decrypted it first — and dropped as a replay after that.
    private func storedElsewhere(_ stored: StoredMessage) -> [AppEvent] {
        guard delivered.insert(stored.id), !stored.isDeleted, !stored.isRemovedByServer,
            stored.payload.type != MessagePayload.sessionResetType,
            (try? store.messageStored(id: stored.id, since: startedAt)) == true
        else { return [] }
        let trust: PinnedIdentity.Level? =
            stored.sender.user == local.user ? nil : (try? store.pinnedIdentity(for: stored.sender))?.level ?? .changed
        return [
            .message(
                DecryptedMessage(
                    id: stored.id, channel: stored.channel, sender: stored.sender, payload: stored.payload,
                    trust: trust, editedAt: stored.editedAt))
        ]
    }

    /// Why one receive attempt failed.
    enum ReceiveFailure: Error {
        case foreignIdentityKey(DeviceAddress)
        case ratchet(RatchetError)
        case storage(any Error)

        func event(for id: UUID, logger: Logger) -> AppEvent {
            switch self {
            case .foreignIdentityKey:
                logger.notice("message undecryptable", metadata: ["reason": "foreign identity key"])
                return .undecryptable(messageID: id, reason: .foreignIdentityKey)
            case .ratchet(let error):
                logger.notice("message undecryptable", metadata: ["reason": "\(error)"])
                return .undecryptable(messageID: id, reason: E2EEEngine.reason(for: error))
            case .storage(let error):
                logger.warning("message not stored", metadata: ["error": "\(error)"])
                return .undecryptable(messageID: id, reason: .storage)
            }
        }
    }

    private func receiveOnce(_ message: Message, isEdit: Bool) -> Result<ReceivedMessage, ReceiveFailure> {
        do {
            return .success(
                try isEdit
                    ? store.receiveUpdate(message, using: receivingCipher)
                    : store.receive(message, using: receivingCipher))
        } catch RatchetError.foreignIdentityKey(let sender), RatchetError.identityChanged(let sender) {
            return .failure(.foreignIdentityKey(sender))
        } catch let error as RatchetError {
            return .failure(.ratchet(error))
        } catch {
            return .failure(.storage(error))
        }
    }

    /// The label of a received message: the trust of the key of the session that decrypted it.
    private func trustLabel(of received: ReceivedMessage) -> PinnedIdentity.Level? {
        let sender = received.message.sender
        guard let pinned = try? store.pinnedIdentity(for: sender) else { return .changed }
        guard let key = received.identityKey else { return pinned.level }
        return key == pinned.key ? pinned.level : .changed
    }

    /// Whether `sender` is a device this device has not judged authorized for its user.
    private func isUnknownDevice(_ sender: DeviceAddress) -> Bool {
        guard sender != local else { return false }
        if let kept = freshRefreshedBundle(of: sender.user) {
            return !kept.devices.contains { $0.deviceID == sender.device }
        }
        let judged = (try? store.deviceAuthorizations(of: sender.user)) ?? []
        return !judged.contains { $0.address == sender && $0.state == .authorized }
    }

    /// Judges `user`'s list now, for the events only (a failure is logged).
    func judgeQuietly(_ user: UUID) async -> [AppEvent] {
        do {
            return try await judgeDeviceList(of: user).events
        } catch let error {
            logger.warning("judging a device list failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// One immediate judgement of `user`'s device list (PROTOCOL.md section 6, LINKED_DEVICES.md A2), at most one
    /// per device per refresh age unless `force`d by a wrap whose key is not the pin (then at most one per device
    /// per minute). The authorized bundles are kept for the next send to the user instead of fetching again.
    /// - Returns: the events of the judgement, and `failed` when the list could not be fetched or judged (a skipped
    ///   refresh did not fail: the last judgement stands).
    private func refreshDeviceList(
        of user: UUID, for sender: DeviceAddress, key: X25519.PublicKey? = nil, force: Bool = false
    ) async -> (events: [AppEvent], failed: Bool) {
        let minimum = force ? min(60, configuration.deviceListRefreshAge) : configuration.deviceListRefreshAge
        let slot = "\(sender)/\(key.map { Hex.encode($0.bytes) } ?? "")"
        if let last = deviceRefreshes[slot], now.timeIntervalSince(last) < minimum { return ([], false) }
        do {
            // Another process sharing the store may have judged the list since: a device it authorized is known.
            let settled = { !force && !self.isUnknownDevice(sender) }
            guard let judged = try await judgeDeviceList(of: user, unlessSettled: settled) else {
                deviceRefreshes[slot] = now
                return ([], false)
            }
            deviceRefreshes[slot] = now
            if judged.sendAllowed { refreshedBundles[user] = (judged.bundle, now) }
            try storeCall { try store.markDeviceListStale(of: user) }
            logger.info("device list judged after a message from an unknown device or key")
            return (judged.events, false)
        } catch {
            logger.warning("refreshing a device list failed", metadata: ["error": "\(error)"])
            // A decrypted message from an unknown device: the next send judges the list again. A wrap that was not
            // read taught nothing, and changes nothing.
            if force { suspectLists.insert(user) } else { try? store.markDeviceListStale(of: user) }
            return ([], true)
        }
    }

    /// The payload of this device's own send echoed back without a wrap: from the history (stored by
    /// ``markSent(_:messageID:)``, so it survives a restart), else from the sends prepared since the engine opened.
    private func ownSend(_ message: Message) -> MessagePayload? {
        if let stored = try? store.message(id: message.id), stored.sender == local, !stored.isDeleted {
            return stored.channel == message.channelID ? stored.payload : nil
        }
        // A send not acknowledged yet: the same content in the same channel, under the first id it came with.
        guard var pending = sentContents[message.content], pending.channel == message.channelID,
            pending.messageID == nil || pending.messageID == message.id
        else { return outboxSend(message) }
        pending.messageID = message.id
        sentContents[message.content] = pending
        return pending.payload
    }

    /// A send of this device that another process sharing the store prepared and has not recorded as acknowledged
    /// yet: its outbox row holds the same content for the same channel.
    private func outboxSend(_ message: Message) -> MessagePayload? {
        guard let entries = try? store.pendingSends() else { return nil }
        for entry in entries where entry.channel == message.channelID {
            guard let request = try? WireJSON.decode(SendMessageRequest.self, from: entry.body),
                request.content == message.content
            else { continue }
            return entry.payload
        }
        return nil
    }

    /// What one fetch of this device's wrap found.
    enum WrapFetch {
        /// The wrap.
        case found(EncryptedMessageKey)
        /// The server listed the message, asked by `X-Device-ID`, without a key for this device.
        case listedWithoutKey
        /// The fetch failed, or the message was not among those listed.
        case unavailable
    }

    /// One fetch of this device's wrap for `message` through the list route (the gateway carries no keys).
    private func fetchWrap(for message: Message) async -> WrapFetch {
        do {
            let listed = try await server.messages(
                channel: message.channelID, device: local.device, before: nil, limit: configuration.wrapFetchLimit)
            guard let found = listed.first(where: { $0.id == message.id }) else { return .unavailable }
            return found.wrap(for: local.device).map(WrapFetch.found) ?? .listedWithoutKey
        } catch {
            logger.warning("fetching the key wrap failed", metadata: ["error": "\(Self.serverError(error))"])
            return .unavailable
        }
    }

    /// How many messages in a row from users who know this device must come without a key for it before the
    /// server is diagnosed as not delivering message keys.
    static let missingKeyDiagnosisThreshold = 3

    /// Counts a message from `author` listed without a key for this device; the third in a row from users who know
    /// this device, with no key delivered in between, diagnoses the server (Docs/UNCORD_SERVER.md, defect 2), once
    /// per engine run.
    private func noteMissingKey(from author: UUID) -> [AppEvent] {
        guard knowsThisDevice(author) else { return [] }
        missingKeyStreak += 1
        guard missingKeyStreak >= Self.missingKeyDiagnosisThreshold, !diagnosedMissingKeys else { return [] }
        diagnosedMissingKeys = true
        // A warning, not an error: the app shows the event; a CLI's error-level log would print it twice.
        logger.warning(
            "messages from known peers keep arriving without a key for this device: the server does not deliver message keys (Docs/UNCORD_SERVER.md)",
            metadata: ["in_a_row": "\(missingKeyStreak)"])
        return [.serverDiagnosis(.messageKeysNotDelivered)]
    }

    /// Whether `user`'s devices should be wrapping for this device: this device has a session with one of them, or
    /// judged one of them authorized (so they have exchanged keys, and each side wraps for the other).
    private func knowsThisDevice(_ user: UUID) -> Bool {
        let judged = (try? store.deviceAuthorizations(of: user)) ?? []
        let listed: [UUID] = (try? store.devices(of: user)) ?? []
        let addresses = judged.map(\.address) + listed.map { DeviceAddress(user: user, device: $0) }
        return judged.contains { $0.address != local && $0.state == .authorized }
            || addresses.contains { $0 != local && (try? store.sessionRecord(for: $0)) != nil }
    }

    static func reason(for error: RatchetError) -> UndecryptableReason {
        switch error {
        case .notAddressedToThisDevice: .noKeyForThisDevice
        case .identityChanged: .identityChanged
        case .foreignIdentityKey: .foreignIdentityKey
        case .noSession: .noSession
        case .unknownOneTimePreKey, .unknownSignedPreKey: .unknownPreKey
        case .duplicateMessage: .duplicate
        case .authenticationFailed: .authenticationFailed
        default: .malformed
        }
    }
}
