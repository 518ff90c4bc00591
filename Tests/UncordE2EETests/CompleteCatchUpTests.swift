import Foundation
import Testing
import UncordE2EE
import UncordProtocol
import UncordStore
import UncordTestSupport

/// Issue 16 item 1: READY receives everything a device missed, however much, oldest first; a history that cannot be
/// read is reported, never skipped.
@Suite struct CompleteCatchUpTests {
    /// A READY dispatch as the gateway sends it.
    let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"s","user":{"id":"u"}}}"#.utf8)

    /// Alice and Bob in one DM, and `count` messages Alice sent while Bob was away (their frames lost).
    func missed(
        _ count: Int, pageSize: Int = 50
    ) async throws -> (alice: TestDevice, bob: TestDevice, channel: UUID, sent: [Message]) {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        var configuration = E2EEConfiguration()
        configuration.catchUpPageSize = pageSize
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory, configuration: configuration)
        let channel = await server.createChannel([alice.user, bob.user])
        var sent: [Message] = []
        for index in 1...count { sent.append(try await alice.send("m\(index)", channel: channel, to: [bob.user])) }
        _ = await server.drainFrames(for: bob.user, device: bob.device)  // lost with the connection
        return (alice, bob, channel, sent)
    }

    @Test func readyReceivesAllTwoHundredSixtyMissedMessagesOldestFirst() async throws {
        let (_, bob, _, sent) = try await missed(260)
        let events = await bob.feed([ready])
        #expect(bodies(events) == (1...260).map { "m\($0)" })
        let ids = events.compactMap { if case .message(let m) = $0 { m.id } else { nil } }
        #expect(ids == sent.map(\.id), "every message once, in the order sent")
        #expect(try bob.store.messageCount() == 260)
        #expect(progress(events) == [Progress(100, 260), Progress(200, 260), Progress(260, 260)])
        #expect(bodies(await bob.feed([ready])).isEmpty)
    }

    @Test func theStreamHandsOverReadyFirstThenEachMissedMessageAsItIsDecrypted() async throws {
        let (alice, bob, channel, _) = try await missed(260)
        // A live message comes on the gateway right after READY: its frame waits for the catch-up (received first, it
        // would make the ratchet skip over the missed ones). The server lists it too, so the catch-up receives it
        // last, and its frame is a duplicate: once, after the missed ones.
        try await alice.send("live", channel: channel, to: [bob.user])
        let live = await bob.server.drainFrames(for: bob.user, device: bob.device)
        let frames = AsyncStream<[UInt8]> { continuation in
            continuation.yield(ready)
            for frame in live { continuation.yield(frame) }
            continuation.finish()
        }
        var events: [AppEvent] = []
        for await event in bob.engine.events(from: frames) { events.append(event) }
        let readyAt = try #require(events.firstIndex { if case .passthrough = $0 { true } else { false } })
        let firstMessage = try #require(events.firstIndex { $0.messageBody != nil })
        #expect(readyAt < firstMessage, "READY is not held back behind the catch-up")
        #expect(bodies(events) == (1...260).map { "m\($0)" } + ["live"])
        // Each progress event comes right after the message it counts.
        let hundredth = try #require(
            events.firstIndex { $0 == .catchUpProgress(channel: channel, received: 100, total: 261) })
        #expect(events[hundredth - 1].messageBody == "m100")
        #expect(progress(events).last == Progress(261, 261))
    }

    @Test func aFailingPageFetchIsReportedAndTheNextReadyReceivesEverything() async throws {
        let (_, bob, channel, _) = try await missed(5, pageSize: 2)
        let calls = await bob.server.listCalls
        await bob.server.failListCalls([calls + 2])  // the second page of the walk back
        let failed = await bob.feed([ready])
        let incomplete = AppEvent.catchUpIncomplete(
            channel: channel, reason: .historyUnavailable(detail: "INTERNAL_ERROR"))
        #expect(failed.contains(incomplete))
        // Nothing newer than the hole is received: the next READY would stop at it.
        #expect(bodies(failed).isEmpty)
        let events = await bob.feed([ready])
        #expect(bodies(events) == (1...5).map { "m\($0)" })
        #expect(!events.contains(incomplete))
    }

    @Test func aHoleLeftByAFailedCatchUpIsFilledAfterLiveMessagesWereStoredAboveIt() async throws {
        let (alice, bob, channel, _) = try await missed(5, pageSize: 2)
        let calls = await bob.server.listCalls
        await bob.server.failListCalls([calls + 2])
        #expect(bodies(await bob.feed([ready])).isEmpty)
        // Live messages fill more than a page above the hole before the next READY.
        for index in 6...9 { try await alice.send("m\(index)", channel: channel, to: [bob.user]) }
        #expect(bodies(await bob.pump()) == (6...9).map { "m\($0)" })
        // The next catch-up pages past the stored live messages to the mark the failed one left, and fills the hole.
        #expect(bodies(await bob.feed([ready])) == (1...5).map { "m\($0)" })
        #expect(try bob.store.openCatchUp(of: channel) == nil)
        #expect(bodies(await bob.feed([ready])).isEmpty)
    }

    @Test func aPageThatFailsWhenReadAgainStopsTheChannelThereAndTheNextReadyGoesOn() async throws {
        // 260 missed in pages of 50: the newest 200 are kept, the two oldest pages are read again on the way forward.
        let (_, bob, channel, _) = try await missed(260)
        let calls = await bob.server.listCalls
        // Six pages back ([260…211] … [10…1]), then the oldest page again succeeds and the next one read again fails.
        await bob.server.failListCalls([calls + 8])
        let failed = await bob.feed([ready])
        #expect(
            failed.contains(.catchUpIncomplete(channel: channel, reason: .historyUnavailable(detail: "INTERNAL_ERROR")))
        )
        #expect(bodies(failed) == (1...10).map { "m\($0)" })
        let events = await bob.feed([ready])
        #expect(bodies(events) == (11...260).map { "m\($0)" })
    }

    /// One ``AppEvent/catchUpProgress(channel:received:total:)``, without its channel.
    struct Progress: Equatable {
        var received: Int
        var total: Int
        init(_ received: Int, _ total: Int) { (self.received, self.total) = (received, total) }
    }

    /// The progress events among `events`, in order.
    func progress(_ events: [AppEvent]) -> [Progress] {
        events.compactMap {
            if case .catchUpProgress(_, let received, let total) = $0 { return Progress(received, total) }
            return nil
        }
    }
}
