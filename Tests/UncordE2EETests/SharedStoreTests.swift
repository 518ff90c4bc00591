import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 15: one store shared by several engines (processes, here connections): top-ups single-flight through the
/// store's lease, a message handed to both decrypted once.
@Suite struct SharedStoreTests {
    /// Two engines over two connections to one new store of `user`, registered.
    static func pair(
        server: TestServer, in directory: Scratch, user: UUID = UUID(), oneTimePreKeys: Int = 100
    ) async throws -> (TestDevice, TestDevice) {
        let key = SecureBytes(random: 32, using: SystemRandom())
        let path = directory.path("shared-\(UUID().uuidString)")
        let first = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: user, device: UUID()), key: .rawKey(key),
            oneTimePreKeys: oneTimePreKeys)
        let second = try SQLiteStore.open(at: path, key: .rawKey(key))
        let client = await server.client(for: user)
        let engines = try [first, second].map {
            try E2EEEngine(store: $0, server: client, logger: quietLogger)
        }
        try await engines[0].bootstrap()
        return (
            TestDevice(store: first, engine: engines[0], server: server),
            TestDevice(store: second, engine: engines[1], server: server)
        )
    }

    @Test func twoEnginesToppingUpAtOnceUploadOneBatch() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (one, two) = try await Self.pair(server: server, in: directory, oneTimePreKeys: 5)
        let before = await server.oneTimePreKeyUploadRequests
        await server.setUploadDelay(.milliseconds(200))
        async let first = one.engine.replenishOneTimePreKeys()
        async let second = two.engine.replenishOneTimePreKeys()
        let uploaded = await [first, second]
        #expect(uploaded.sorted() == [0, 95])
        #expect(await server.oneTimePreKeyUploadRequests - before == 1)
        #expect(await server.oneTimePreKeyCount(user: one.user, device: one.device) == 100)
        #expect(try one.store.pendingOneTimePreKeys().isEmpty)
    }

    @Test func twoEnginesSendingToANewPeerAtOnceFetchItsListOnce() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        let (bobOne, bobTwo) = try await Self.pair(server: server, in: directory)
        let channel = await server.createChannel([alice.user, bobOne.user])
        await server.setBundleDelay(.milliseconds(300))
        // Both processes send to Alice, whom the store has never judged: one fetch of her list (each fetch spends
        // one of her one-time pre-keys), the other process's send uses the session the first one set up.
        async let first = bobOne.engine.prepareMessage(text: "one", channel: channel, participants: [alice.user])
        async let second = bobTwo.engine.prepareMessage(text: "two", channel: channel, participants: [alice.user])
        let prepared = try await [first, second]
        #expect(await server.bundleFetches.filter { $0 == alice.user }.count == 1)
        for message in prepared {
            _ = try await server.client(for: bobOne.user).sendMessage(channel: channel, body: message.body)
        }
        #expect(bodies(await alice.pump()).sorted() == ["one", "two"])
    }

    @Test func aMessageHandedToBothEnginesIsDecryptedOnce() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        let (bobOne, bobTwo) = try await Self.pair(server: server, in: directory)
        let channel = await server.createChannel([alice.user, bobOne.user])
        let sent = try await alice.send("once", channel: channel, to: [bobOne.user])
        let frames = await server.drainFrames(for: bobOne.user, device: bobOne.device)
        async let first = bobOne.feed(frames)
        async let second = bobTwo.feed(frames)
        let events = await first + second
        // Decrypted once (the second engine found it stored, and no ratchet step was taken twice, which would fail
        // as a replay); each engine hands it to its own app once, from the stored copy if another decrypted it.
        #expect(bodies(events) == ["once", "once"])
        let replayed = await bobOne.feed(frames) + bobTwo.feed(frames)
        #expect(replayed.isEmpty)
        // A server replaying an old message to an engine started after it was stored shows nothing: history is
        // read from the store, never handed over again as new.
        try await Task.sleep(for: .milliseconds(1100))
        let later = try E2EEEngine(
            store: bobTwo.store, server: await server.client(for: bobTwo.user), logger: quietLogger)
        var replayedLater: [AppEvent] = []
        for frame in frames { replayedLater += await later.process(frame: frame) }
        #expect(bodies(replayedLater).isEmpty)
        #expect(!events.contains { if case .undecryptable = $0 { true } else { false } })
        #expect(try bobTwo.store.message(id: sent.id)?.payload.body == "once")
    }

    @Test func anOwnSendOfAnotherProcessIsShownNotUndecryptable() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        let (bobOne, bobTwo) = try await Self.pair(server: server, in: directory)
        let channel = await server.createChannel([alice.user, bobOne.user])
        try await alice.send("hello", channel: channel, to: [bobOne.user])
        _ = await bobOne.pump()
        // The first engine posts but has not recorded the acknowledgement when the echo reaches the second.
        let prepared = try await bobOne.engine.prepareMessage(text: "mine", channel: channel, participants: [])
        _ = try await server.client(for: bobOne.user).sendMessage(channel: channel, body: prepared.body)
        let echo = await bobTwo.pump()
        #expect(bodies(echo) == ["mine"])
        #expect(!echo.contains { if case .undecryptable = $0 { true } else { false } })
    }
}
