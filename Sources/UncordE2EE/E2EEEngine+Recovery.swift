import Foundation
import Logging
import UncordProtocol
import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// The events for a message that could not be decrypted, reported once; when the reason says this side lost
    /// or forked its session with the sending device, the session is recovered too (``recoverSession(with:in:)``).
    func undecryptable(_ message: Message, _ failure: ReceiveFailure) async -> [AppEvent] {
        let event = failure.event(for: message.id, logger: logger)
        guard case .undecryptable(_, let reason) = event, Self.recoverableReasons.contains(reason),
            let wrap = message.wrap(for: local.device),
            let sender = try? KeyWrap(parsing: wrap.encryptedKey).senderDevice
        else { return [event] }
        return [event]
            + (await recoverSession(with: DeviceAddress(user: message.author.id, device: sender), in: message.channelID))
    }

    /// The reasons that mean this side's session with the sender is gone or behind: no session for a ratchet
    /// wrap, a wrap no session can open (a chain the state no longer knows: a restored store, a fork), a pre-key
    /// wrap naming a pre-key this store does not hold (a restored store).
    static let recoverableReasons: Set<UndecryptableReason> = [.noSession, .authenticationFailed, .unknownPreKey]

    /// Automatic session recovery (`Docs/ENGINE.md`, "Sessions that heal"): at most once per device per
    /// ``E2EEConfiguration/sessionRecoveryInterval`` (counted in the store, so across processes and restarts), and
    /// only in a channel whose known members include `sender`'s user, archives the session with `sender` and posts
    /// an encrypted control message (``MessagePayload/sessionResetType``) to the channel's known members; sealing it
    /// starts a new session with the device from a fresh bundle, and the device, decrypting it, makes that session
    /// its active one. A control message that cannot be posted stays in the outbox.
    /// - Returns: what judging the device list found (a trust warning, a refused device).
    func recoverSession(with sender: DeviceAddress, in channel: UUID) async -> [AppEvent] {
        guard sender != local, let interval = configuration.sessionRecoveryInterval else { return [] }
        // Only where the sender is a known member: the control message goes to the channel's members and names
        // no one new, so a message the server attributes to anyone else never makes them a reader.
        guard (try? store.members(of: channel))?.contains(sender.user) == true else {
            logger.notice("an unreadable message from a user who is not a known member of its channel; no recovery")
            return []
        }
        do {
            guard try store.startSessionRecovery(with: sender, every: interval) else { return [] }
        } catch {
            logger.warning("session recovery not started", metadata: ["error": "\(error)"])
            return []
        }
        logger.notice("messages from a device cannot be decrypted; starting a new session with it")
        let payload = MessagePayload(
            type: MessagePayload.sessionResetType, body: "", senderDevice: local.device, sentAt: Self.rfc3339(now))
        let prepared: PreparedMessage
        do {
            prepared = try await prepare(payload, channel: channel, participants: [], replyTo: nil)
        } catch {
            logger.warning("the session recovery's control message was not sealed", metadata: ["error": "\(error)"])
            return takeUndelivered()
        }
        do {
            let sent = try await server.sendMessage(channel: channel, body: prepared.body)
            try markSent(prepared, messageID: sent.id)
        } catch {
            logger.warning(
                "the session recovery's control message was not posted; it stays in the outbox",
                metadata: ["error": "\(error)"])
        }
        return prepared.events
    }
}
