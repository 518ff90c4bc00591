import Foundation
import Testing
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 16, items 4 and 5: a post the server stored twice (a send retried after its answer was lost) is reported as
/// `.duplicate(id, of: original)`, never as undecryptable, and stored once; a retried send shows once everywhere.
@Suite struct DuplicatePostTests {
    static func duplicates(_ events: [AppEvent]) -> [(UUID, UUID)] {
        events.compactMap { if case .duplicate(let id, let original) = $0 { (id, original) } else { nil } }
    }

    static func undecryptable(_ events: [AppEvent]) -> [AppEvent] {
        events.filter { if case .undecryptable = $0 { true } else { false } }
    }

    @Test func anOwnSendTheEngineNoLongerRemembersIsStillShownFromTheStore() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        let bob = try await makeDevice("bob", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        // The engine remembers its last 1,000 sends; the first of 1,001 is forgotten there, but its outbox row
        // still recognises its echo.
        var prepared: [PreparedMessage] = []
        for index in 0...1000 {
            prepared.append(
                try await alice.engine.prepareMessage(
                    text: "send \(index)", channel: channel, participants: index == 0 ? [bob.user] : []))
        }
        _ = try await server.client(for: alice.user).sendMessage(channel: channel, body: prepared[0].body)
        let echo = await alice.pump()
        #expect(bodies(echo) == ["send 0"])
        #expect(Self.undecryptable(echo).isEmpty)
    }

    @Test func aPostStoredTwiceIsOneMessageAndOneDuplicate() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        let bob = try await makeDevice("bob", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("hello", channel: channel, to: [bob.user])
        _ = await bob.pump()
        _ = await alice.pump()

        // The send's answer is lost; the outbox posts the same bytes again.
        let prepared = try await alice.engine.prepareMessage(text: "once", channel: channel, participants: [])
        let first = try await server.client(for: alice.user).sendMessage(channel: channel, body: prepared.body)
        let pending = try await alice.engine.pendingSends()
        #expect(pending.count == 1)
        let second = try await server.client(for: alice.user).sendMessage(channel: channel, body: pending[0].body)
        _ = try await alice.engine.markSent(pending[0], messageID: second.id)

        let frames = await server.drainFrames(for: bob.user, device: bob.device)
        let events = await bob.feed(frames)
        #expect(bodies(events) == ["once"])
        #expect(Self.undecryptable(events).isEmpty)
        #expect(Self.duplicates(events).map(\.0) == [second.id])
        #expect(Self.duplicates(events).map(\.1) == [first.id])
        #expect(try bob.store.message(id: first.id)?.payload.body == "once")
        #expect(try bob.store.message(id: second.id) == nil)

        // The sender's own device shows its message once too.
        let own = await alice.pump()
        #expect(bodies(own) == ["once"])
        #expect(Self.undecryptable(own).isEmpty)
        #expect(Self.duplicates(own).count == 1)

        // Replayed later, to the same engine or a new one on the same store: nothing more.
        #expect(await bob.feed(frames).isEmpty)
        // (A new engine hands over a stored message only when it was stored after the engine started: the store's
        // clock has whole seconds.)
        try await Task.sleep(for: .milliseconds(1100))
        let restarted = try E2EEEngine(
            store: bob.store, server: await server.client(for: bob.user), logger: quietLogger)
        var later: [AppEvent] = []
        for frame in frames { later += await restarted.process(frame: frame) }
        #expect(bodies(later).isEmpty)
        #expect(Self.undecryptable(later).isEmpty)
    }
}
