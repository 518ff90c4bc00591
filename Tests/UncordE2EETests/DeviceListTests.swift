import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Device lists refreshed on a message from an unknown device, and this device's sends kept in the history.
@Suite struct DeviceListTests {
    /// The DM_MESSAGE_CREATE frames among `frames` (IDENTITY_KEY_CHANGED and the rest left out).
    func messageFrames(_ frames: [[UInt8]]) -> [[UInt8]] {
        frames.filter { (try? Frame(parsing: $0))?.type == .dmMessageCreate }
    }

    /// The devices a request body wraps for.
    func wrappedDevices(_ body: [UInt8]) throws -> Set<UUID> {
        Set(
            try WireJSON.decode(SendMessageRequest.self, from: body).messageKeys.compactMap {
                if case .device(let device) = $0.recipient { return device }
                return nil
            })
    }

    @Test func messageFromUnknownDeviceRefreshesOnceAndTheBundlesServeTheNextSend() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let aliceUser = UUID()
        let a1 = try await makeDevice("a1", user: aliceUser, server: server, in: directory)
        let a2 = try await makeDevice("a2", server: server, in: directory, linkedTo: a1)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([aliceUser, bob.user])
        try await bob.send("one", channel: channel, to: [aliceUser])
        #expect(try bob.store.devices(of: aliceUser).map(Set.init) == [a1.device, a2.device])

        // a2 is removed; a3 and a4 join; a3 writes to Bob (IDENTITY_KEY_CHANGED frames are held back from Bob).
        await server.removeDevice(user: aliceUser, device: a2.device)
        let a3 = try await makeDevice("a3", server: server, in: directory, linkedTo: a1)
        let a4 = try await makeDevice("a4", server: server, in: directory, linkedTo: a1)
        try await a3.send("from a3", channel: channel, to: [bob.user])
        let fetchesBefore = await server.bundleFetches.filter { $0 == aliceUser }.count
        let a4KeysBefore = await server.oneTimePreKeyCount(user: aliceUser, device: a4.device)
        let frames = messageFrames(await server.drainFrames(for: bob.user, device: bob.device))
        let events = await bob.feed(frames)

        #expect(bodies(events) == ["one", "from a3"])
        // a3 and a4 hold Alice's account key: authorized, nothing to report.
        #expect(!events.contains { if case .deviceRefused = $0 { true } else { false } })
        #expect(await server.bundleFetches.filter { $0 == aliceUser }.count == fetchesBefore + 1)
        #expect(await server.oneTimePreKeyCount(user: aliceUser, device: a4.device) == a4KeysBefore - 1)
        // The same frames again: nothing new, no second refresh.
        #expect(bodies(await bob.feed(frames)) == ["one"])
        #expect(await server.bundleFetches.filter { $0 == aliceUser }.count == fetchesBefore + 1)

        // The next send uses the kept bundles: no fetch, no wrap for the removed a2.
        let prepared = try await bob.engine.prepareMessage(text: "two", channel: channel, participants: [aliceUser])
        #expect(await server.bundleFetches.filter { $0 == aliceUser }.count == fetchesBefore + 1)
        #expect(try wrappedDevices(prepared.body) == [a1.device, a3.device, a4.device])
        let sent = try await server.client(for: bob.user).sendMessage(channel: channel, body: prepared.body)
        try await bob.engine.markSent(prepared, messageID: sent.id)
        // a4's session starts from the kept bundle's one-time pre-key.
        #expect(bodies(await a4.pump()).contains("two"))

        // The bundles are spent: the next send uses the committed list and sessions, still without a fetch.
        // (a4's pump judged Alice's own list on its side: counted from here.)
        let beforeThree = await server.bundleFetches.filter { $0 == aliceUser }.count
        let again = try await bob.engine.prepareMessage(text: "three", channel: channel, participants: [aliceUser])
        #expect(await server.bundleFetches.filter { $0 == aliceUser }.count == beforeThree)
        #expect(try wrappedDevices(again.body) == [a1.device, a3.device, a4.device])
        let sentAgain = try await server.client(for: bob.user).sendMessage(channel: channel, body: again.body)
        try await bob.engine.markSent(again, messageID: sentAgain.id)
        #expect(bodies(await a4.pump()) == ["three"])
        #expect(bodies(await a1.pump()).contains("three"))
    }

    @Test func keptBundlesExpireWithTheRefreshAge() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let aliceUser = UUID()
        var configuration = E2EEConfiguration()
        configuration.deviceListRefreshAge = 0
        let a1 = try await makeDevice("a1", user: aliceUser, server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory, configuration: configuration)
        let channel = await server.createChannel([aliceUser, bob.user])
        try await bob.send("one", channel: channel, to: [aliceUser])
        let a2 = try await makeDevice("a2", server: server, in: directory, linkedTo: a1)
        try await a2.send("from a2", channel: channel, to: [bob.user])
        _ = await bob.feed(messageFrames(await server.drainFrames(for: bob.user, device: bob.device)))
        let fetches = await server.bundleFetches.count
        // With a refresh age of 0 the kept bundles are stale at once: the send fetches again.
        let prepared = try await bob.engine.prepareMessage(text: "two", channel: channel, participants: [aliceUser])
        #expect(await server.bundleFetches.count > fetches)
        #expect(try wrappedDevices(prepared.body) == [a1.device, a2.device])
    }

    @Test func ownSendIsStoredAndItsEchoRecognisedAfterARestart() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let sent = try await alice.send("kept", channel: channel, to: [bob.user])
        #expect(try alice.store.pendingSends().isEmpty)
        let stored = try #require(try alice.store.message(id: sent.id))
        #expect(stored.payload.body == "kept")
        #expect(stored.sender == alice.engine.address)
        #expect(stored.channel == channel)

        // A new engine over the same store (the in-memory sends are gone) still reports the echo as Alice's.
        let restarted = try E2EEEngine(
            store: alice.store, server: await server.client(for: alice.user), logger: quietLogger)
        var events: [AppEvent] = []
        for frame in await server.drainFrames(for: alice.user, device: alice.device) {
            events += await restarted.process(frame: frame)
        }
        guard case .message(let echo)? = events.last else {
            Issue.record("expected the echo, got \(events)")
            return
        }
        #expect(echo.id == sent.id)
        #expect(echo.payload.body == "kept")
        #expect(echo.sender == alice.engine.address)
        #expect(echo.trust == nil)
        #expect(await server.listCalls == 0)
    }
}
