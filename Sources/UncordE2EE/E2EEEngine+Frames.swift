import Foundation
import Logging
import UncordCrypto
public import UncordProtocol
import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// Handles one gateway frame as received (text bytes) and returns the app events it gives, in order.
    ///
    /// Bytes that are not a frame, and every frame the engine does not act on, come back as
    /// ``AppEvent/passthrough(bytes:frame:)`` with the very same bytes. Never throws: a frame the engine cannot
    /// use becomes a typed event or a passthrough.
    public func process(frame bytes: [UInt8]) async -> [AppEvent] {
        guard let frame = try? Frame(parsing: bytes) else {
            logger.debug("not a gateway frame; passed through")
            return [.passthrough(bytes: bytes, frame: nil)]
        }
        return await process(frame, bytes: bytes)
    }

    /// Handles one decoded gateway frame; a passthrough carries the frame's encoding.
    public func process(frame: Frame) async -> [AppEvent] {
        await process(frame, bytes: frame.encoded())
    }

    private func process(_ frame: Frame, bytes: [UInt8]) async -> [AppEvent] {
        let passthrough = AppEvent.passthrough(bytes: bytes, frame: frame)
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
            let count = await syncKeys()
            let missed = await catchUp()
            return (count > 0 ? [.keysReplenished(count: count)] : []) + missed + [passthrough]
        case .resumed:
            let count = await syncKeys()
            return (count > 0 ? [.keysReplenished(count: count)] : []) + [passthrough]
        case .dmMessageCreate, .dmMessageUpdate:
            guard let message = try? frame.decodeData(as: Message.self) else { return [passthrough] }
            guard message.encrypted else { return [passthrough] }
            return await receive(message, isEdit: type == .dmMessageUpdate)
        case .dmMessageDelete:
            guard let delete = try? frame.decodeData(as: MessageDelete.self) else { return [passthrough] }
            do {
                _ = try store.markDeleted(messageID: delete.id)
            } catch {
                logger.warning("could not mark a message deleted", metadata: ["error": "\(error)"])
            }
            return [.messageDeleted(id: delete.id, channel: delete.channelID)]
        case .keyBundleLow:
            guard let low = try? frame.decodeData(as: KeyBundleLow.self) else { return [passthrough] }
            guard low.deviceID == local.device else { return [passthrough] }
            let count = await replenishOneTimePreKeys()
            return count > 0 ? [.keysReplenished(count: count)] : []
        case .identityKeyChanged:
            guard let change = try? frame.decodeData(as: IdentityKeyChanged.self),
                let key = try? X25519.PublicKey(bytes: change.identityKey)
            else { return [passthrough] }
            guard XEdDSA.isValidPublicKey(key) else {
                logger.warning("IDENTITY_KEY_CHANGED names a key no device can hold (low-order or non-canonical)")
                return [passthrough]
            }
            let address = DeviceAddress(user: change.userID, device: change.deviceID)
            guard address.user != local.user || address.device != local.device else { return [] }
            refreshedBundles[address.user] = nil
            do {
                try store.markDeviceListStale(of: address.user)
                return try observeIdentity(key, of: address)
            } catch {
                logger.warning("could not record an identity change", metadata: ["error": "\(error)"])
                return [passthrough]
            }
        default:
            return [passthrough]
        }
    }

    // MARK: Receiving

    func receive(_ message: Message, isEdit: Bool) async -> [AppEvent] {
        var message = message
        if !carriesWrapForThisDevice(message) {
            if message.author.id == local.user, let payload = ownSend(message) {
                let decrypted = DecryptedMessage(
                    id: message.id, channel: message.channelID, sender: local, payload: payload, trust: nil,
                    editedAt: message.editedAt?.text)
                return [isEdit ? .messageEdited(decrypted) : .message(decrypted)]
            }
            if isEdit == false, (try? store.message(id: message.id)) != nil {
                return []  // a replay of a message already stored
            }
            guard let wrap = await fetchWrap(for: message) else {
                return [.undecryptable(messageID: message.id, reason: .noKeyForThisDevice)]
            }
            message.messageKeys = [wrap]
        }
        let author = message.author.id
        let before = (try? store.peerDevices(of: author)) ?? []
        let received: ReceivedMessage
        do {
            received =
                try isEdit
                ? store.receiveUpdate(message, using: receivingCipher) : store.receive(message, using: receivingCipher)
        } catch let error as RatchetError {
            logger.notice("message undecryptable", metadata: ["reason": "\(error)"])
            return [.undecryptable(messageID: message.id, reason: Self.reason(for: error))]
        } catch {
            logger.warning("message not stored", metadata: ["error": "\(error)"])
            return [.undecryptable(messageID: message.id, reason: .storage)]
        }
        if received.wasAlreadyStored { return [] }
        var events = noticeEvents(received.notices, knownBefore: before)
        if isUnknownDevice(received.message.sender, knownBefore: before) {
            events += await refreshDeviceList(of: author, for: received.message.sender)
        }
        let trust = try? store.pinnedIdentity(for: received.message.sender)?.level
        let decrypted = DecryptedMessage(
            id: message.id, channel: message.channelID, sender: received.message.sender,
            payload: received.message.payload, trust: trust ?? nil, editedAt: received.message.editedAt)
        events.append(isEdit ? .messageEdited(decrypted) : .message(decrypted))
        return events
    }

    /// Whether `sender` is a device of a known user that this device did not know: the user has a cached device
    /// list (kept from a refresh, or in the store) without it, or no list but pinned devices that exclude it.
    private func isUnknownDevice(_ sender: DeviceAddress, knownBefore: [PeerDeviceRecord]) -> Bool {
        guard sender != local else { return false }
        if let kept = freshRefreshedBundle(of: sender.user) {
            return !kept.devices.contains { $0.deviceID == sender.device }
        }
        if let listed = try? store.devices(of: sender.user) { return !listed.contains(sender.device) }
        return !knownBefore.isEmpty && !knownBefore.contains { $0.address == sender }
    }

    /// One immediate refresh of `user`'s device list through the bundle route (PROTOCOL.md section 6), at most one
    /// per unknown device per refresh age. The bundles are kept for the next send to the user instead of fetching
    /// again; the stored list is marked stale so a restarted engine fetches it anew.
    /// - Returns: the trust events of the refresh (`.newDevice` for devices first seen in it, `.trustWarning`).
    private func refreshDeviceList(of user: UUID, for sender: DeviceAddress) async -> [AppEvent] {
        if let last = deviceRefreshes[sender], now.timeIntervalSince(last) < configuration.deviceListRefreshAge {
            return []
        }
        deviceRefreshes[sender] = now
        do {
            let (bundle, events) = try await fetchUsableBundle(of: user)
            refreshedBundles[user] = (bundle, now)
            try storeCall { try store.markDeviceListStale(of: user) }
            logger.info("device list refreshed after a message from an unknown device")
            return events
        } catch {
            logger.warning("refreshing a device list failed", metadata: ["error": "\(error)"])
            try? store.markDeviceListStale(of: user)
            return []
        }
    }

    /// The payload of this device's own send echoed back without a wrap: from the history (stored by
    /// ``markSent(_:messageID:)``, so it survives a restart), else from the sends prepared since the engine opened.
    private func ownSend(_ message: Message) -> MessagePayload? {
        if let stored = try? store.message(id: message.id), stored.sender == local, !stored.isDeleted {
            return stored.payload
        }
        return sentContents[message.content]?.payload
    }

    func carriesWrapForThisDevice(_ message: Message) -> Bool {
        message.messageKeys?.contains { $0.recipient == .thisDevice || $0.recipient == .device(local.device) }
            ?? false
    }

    /// One fetch of this device's wrap for `message` through the list route (the gateway carries no keys).
    private func fetchWrap(for message: Message) async -> EncryptedMessageKey? {
        do {
            let listed = try await server.messages(
                channel: message.channelID, device: local.device, before: nil, limit: configuration.wrapFetchLimit)
            return listed.first { $0.id == message.id }?.messageKeys?.first {
                $0.recipient == .thisDevice || $0.recipient == .device(local.device)
            }
        } catch {
            logger.warning("fetching the key wrap failed", metadata: ["error": "\(Self.serverError(error))"])
            return nil
        }
    }

    static func reason(for error: RatchetError) -> UndecryptableReason {
        switch error {
        case .notAddressedToThisDevice: .noKeyForThisDevice
        case .identityChanged: .identityChanged
        case .noSession: .noSession
        case .unknownOneTimePreKey, .unknownSignedPreKey: .unknownPreKey
        case .duplicateMessage: .duplicate
        case .authenticationFailed: .authenticationFailed
        default: .malformed
        }
    }
}
