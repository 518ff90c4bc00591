import Foundation
import Logging
import UncordProtocol
import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// READY (a fresh gateway session, after a restart or a new identify): receives the DM history this device
    /// missed while it was away, before the app sees READY itself.
    ///
    /// The channels are those of the stored messages plus the server's DM channel list (either may fail; the other
    /// still counts). Each channel is read newest first through the list route with this device's id, in pages of
    /// ``E2EEConfiguration/catchUpPageSize`` paged with `before`, stopping at a page without a new message, a
    /// short page, or ``E2EEConfiguration/catchUpPageLimit`` pages. Every encrypted message that carries this
    /// device's wrap and is not stored yet goes through the DM_MESSAGE_CREATE path, oldest first across all
    /// channels; messages without a wrap (not addressed to this device) are skipped, and one reported
    /// undecryptable is not reported again by a later READY of the same engine.
    ///
    /// Runs in one process at a time among those sharing the store (the `catch-up` lease). When another holds it,
    /// this one waits for it — at most a little over the lease's life, so a holder that was killed is outlived —
    /// and then catches up itself, which finds stored whatever the other received.
    /// - Returns: the events of those receives, in chronological order.
    func catchUp() async -> [AppEvent] {
        let waiting = Duration.seconds(EngineLease.duration + 5)
        return await withLease(EngineLease.catchUp, waiting: waiting) { await catchUpHoldingLease() } ?? []
    }

    private func catchUpHoldingLease() async -> [AppEvent] {
        var channels: [UUID] = []
        do {
            channels = try store.knownChannels()
        } catch {
            logger.warning("listing the stored channels failed", metadata: ["error": "\(error)"])
        }
        do {
            for channel in try await server.dmChannels() where !channels.contains(channel.id) {
                channels.append(channel.id)
            }
        } catch {
            logger.warning("listing the DM channels failed", metadata: ["error": "\(Self.serverError(error))"])
        }
        var missed: [Message] = []
        for channel in channels { missed += await missedMessages(in: channel) }
        let ordered = missed.enumerated().sorted {
            ($0.element.createdAt.date, $0.offset) < ($1.element.createdAt.date, $1.offset)
        }
        var events: [AppEvent] = []
        for (_, message) in ordered {
            let received = await receive(message, isEdit: false)
            for event in received {
                // A message the sender's unreachable device list kept from being judged is tried again next time.
                if case .undecryptable(let id, let reason) = event, reason != .identityUnconfirmed {
                    caughtUpUndecryptable.insert(id)
                }
            }
            events += received
        }
        if !ordered.isEmpty { logger.info("caught up on missed messages", metadata: ["count": "\(ordered.count)"]) }
        return events
    }

    /// The messages of `channel` this device has not stored, oldest first, read in bounded pages.
    private func missedMessages(in channel: UUID) async -> [Message] {
        let pageSize = max(1, configuration.catchUpPageSize)
        var missed: [Message] = []
        var before: UUID?
        for _ in 0..<max(0, configuration.catchUpPageLimit) {
            let page: [Message]
            do {
                page = try await server.messages(
                    channel: channel, device: local.device, before: before, limit: pageSize)
            } catch {
                logger.warning("catch-up page fetch failed", metadata: ["error": "\(Self.serverError(error))"])
                break
            }
            let new = page.filter(isMissed)
            missed += new
            guard let oldest = page.last, !new.isEmpty, page.count >= pageSize else { break }
            before = oldest.id
        }
        return missed.reversed()
    }

    /// Whether a listed message is one to receive: encrypted, wrapped for this device, not stored and not already
    /// reported undecryptable.
    private func isMissed(_ message: Message) -> Bool {
        guard message.encrypted, carriesWrapForThisDevice(message), !caughtUpUndecryptable.contains(message.id)
        else { return false }
        return (try? store.message(id: message.id)) == nil
    }
}
