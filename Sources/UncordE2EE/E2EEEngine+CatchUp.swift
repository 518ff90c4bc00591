import Foundation
import Logging
import UncordProtocol
import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// Whether the READY and RESUMED this task processes leave their catch-up to the caller (``events(from:)`` runs
    /// it after handing the frame over) instead of running it before they return.
    @TaskLocal static var catchUpDeferred = false

    /// How many missed messages a catch-up keeps decoded while it pages back; the pages beyond are read again when
    /// their turn comes, so memory stays bounded however much was missed.
    static let catchUpKeptMessages = 200

    /// How many received messages apart a channel's ``AppEvent/catchUpProgress(channel:received:total:)`` come.
    static let catchUpProgressInterval = 100

    /// READY or RESUMED: receives the DM history this device missed while it was away (Docs/ENGINE.md, "Catch-up")
    /// and returns the events, unless the task defers the catch-up to ``events(from:)``.
    func catchUp() async -> [AppEvent] {
        guard !Self.catchUpDeferred else { return [] }
        var events: [AppEvent] = []
        await catchUp { events += $0 }
        return events
    }

    /// Catches up, handing each received message's events to `continuation` as soon as it is decrypted.
    func catchUp(into continuation: AsyncStream<AppEvent>.Continuation) async {
        await catchUp { events in
            for event in events { continuation.yield(event) }
        }
    }

    /// Receives every message this device missed in every DM channel, each channel oldest first, handing each
    /// message's events to `emit` as soon as it is received.
    ///
    /// The channels are those of the stored messages plus the server's DM channel list (either may fail; the other
    /// still counts; a failed list is reported). Each channel is paged back newest first through the list route with
    /// this device's id, in pages of ``E2EEConfiguration/catchUpPageSize`` paged with `before`, until a page holds
    /// a stored message and nothing missed, or a short page (the channel's start); then its pages are walked forward,
    /// oldest first. Runs in one process at a time among those sharing the store (the `catch-up` lease). When
    /// another holds it, this one waits for it — at most a little over the lease's life, so a holder that was killed
    /// is outlived — and then catches up itself, which finds stored whatever the other received.
    func catchUp(emit: ([AppEvent]) -> Void) async {
        let waiting = Duration.seconds(EngineLease.duration + 5)
        _ = await withLease(EngineLease.catchUp, waiting: waiting) { await catchUpHoldingLease(emit: emit) }
    }

    private func catchUpHoldingLease(emit: ([AppEvent]) -> Void) async {
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
            let detail = Self.failureDetail(error)
            logger.warning("listing the DM channels failed", metadata: ["error": "\(detail)"])
            emit([.catchUpIncomplete(channel: nil, reason: .channelListUnavailable(detail: detail))])
        }
        var received = 0
        for channel in channels where !Task.isCancelled {
            received += await catchUp(in: channel, emit: emit)
        }
        if received > 0 { logger.info("caught up on missed messages", metadata: ["count": "\(received)"]) }
    }

    /// Receives the messages `channel` missed, oldest first, reporting progress; answers how many were received.
    private func catchUp(in channel: UUID, emit: ([AppEvent]) -> Void) async -> Int {
        let received = await catchUpPages(in: channel, emit: emit)
        if received != nil { try? store.markCatchUpCompleted(in: channel) }
        return received ?? 0
    }

    /// ``catchUp(in:emit:)``'s work; `nil` when it did not complete (the channel's open mark stays).
    private func catchUpPages(in channel: UUID, emit: ([AppEvent]) -> Void) async -> Int? {
        guard let (pages, total) = await missedPages(in: channel, emit: emit) else { return nil }
        var received = 0
        var reported: (received: Int, total: Int)?
        for page in pages.reversed() {
            guard !Task.isCancelled else { return nil }
            // A page read again may hold messages received since (live, or by another route): they are skipped.
            var messages = page.messages
            if messages == nil { messages = await self.page(of: channel, before: page.before, emit: emit) }
            // Reported; nothing newer is received, so the next catch-up still finds the hole.
            guard let messages else { return nil }
            for message in messages.reversed() where isMissed(message) {
                emit(await receiveMissed(message))
                received += 1
                if received % Self.catchUpProgressInterval == 0 {
                    reported = (received, max(total, received))
                    emit([.catchUpProgress(channel: channel, received: received, total: max(total, received))])
                }
            }
        }
        if received > 0, reported.map({ $0 != (received, received) }) ?? true {
            emit([.catchUpProgress(channel: channel, received: received, total: received)])
        }
        return received
    }

    /// One page of a channel's missed messages, as the walk back found it.
    private struct MissedPage {
        /// The `before` cursor that lists the page; `nil` for the newest page (always kept: listed again, it would
        /// hold newer messages and leave out older ones).
        var before: UUID?
        /// The page's missed messages, newest first; `nil` when they were not kept (the page is read again).
        var messages: [Message]?
    }

    /// Pages `channel` back until the stored history (past the mark of an earlier catch-up that did not complete,
    /// `SQLiteStore.openCatchUp(of:)`) or the channel's start, keeping the cursors of the pages with
    /// missed messages (and the messages of the first ``catchUpKeptMessages``); `nil` when a page could not be
    /// read (reported through `emit`). Marks the channel's catch-up open until it completes.
    private func missedPages(
        in channel: UUID, emit: ([AppEvent]) -> Void
    ) async -> (pages: [MissedPage], total: Int)? {
        let pageSize = max(1, configuration.catchUpPageSize)
        var pages: [MissedPage] = []
        var (kept, total) = (0, 0)
        var before: UUID?
        // An earlier catch-up that did not complete left a mark: the walk goes past it before it may stop.
        var open = try? store.openCatchUp(of: channel)
        while true {
            guard let page = await page(of: channel, before: before, emit: emit) else { return nil }
            if before == nil, let newest = page.first {
                // Open until this catch-up completes: a kill or a failed page leaves the mark for the next.
                try? store.markCatchUpStarted(in: channel, newest: newest.id)
            }
            if let mark = open, page.contains(where: { $0.id == mark }) { open = nil }
            let missed = page.filter(isMissed)
            if !missed.isEmpty {
                let keep = pages.isEmpty || kept + missed.count <= Self.catchUpKeptMessages
                pages.append(MissedPage(before: before, messages: keep ? missed : nil))
                kept += keep ? missed.count : 0
                total += missed.count
            }
            // The stored history is reached: nothing on this page is missed, and some of it is stored.
            let reachedStored =
                open == nil && missed.isEmpty && page.contains { (try? store.message(id: $0.id)) != nil }
            guard let oldest = page.last, page.count >= pageSize, !reachedStored else { return (pages, total) }
            before = oldest.id
        }
    }

    /// One page of `channel`, newest first, with this device's wraps; `nil` when it could not be read, reported as
    /// ``AppEvent/catchUpIncomplete(channel:reason:)`` through `emit`.
    private func page(of channel: UUID, before: UUID?, emit: ([AppEvent]) -> Void) async -> [Message]? {
        do {
            return try await server.messages(
                channel: channel, device: local.device, before: before, limit: max(1, configuration.catchUpPageSize))
        } catch {
            let detail = Self.failureDetail(error)
            logger.warning("catch-up page fetch failed", metadata: ["error": "\(detail)"])
            emit([.catchUpIncomplete(channel: channel, reason: .historyUnavailable(detail: detail))])
            return nil
        }
    }

    /// Receives one missed message as DM_MESSAGE_CREATE does; one reported undecryptable is not reported again by a
    /// later catch-up of this engine.
    private func receiveMissed(_ message: Message) async -> [AppEvent] {
        let events = await receive(message, isEdit: false)
        for event in events {
            // A message the sender's unreachable device list kept from being judged is tried again next time.
            if case .undecryptable(let id, let reason) = event, reason != .identityUnconfirmed {
                caughtUpUndecryptable.insert(id)
            }
        }
        return events
    }

    /// Whether a listed message is one to receive: encrypted, wrapped for this device, not stored and not already
    /// reported undecryptable.
    private func isMissed(_ message: Message) -> Bool {
        guard message.encrypted, message.wrap(for: local.device) != nil, !caughtUpUndecryptable.contains(message.id)
        else { return false }
        return (try? store.message(id: message.id)) == nil
    }

    /// A failure's detail for the app: the server's error code, or the failure's kind (never its text).
    private static func failureDetail(_ error: any Error) -> String {
        ServerError.carried(by: error)?.code.rawValue ?? String(describing: type(of: error))
    }
}
