import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Sends queued before a restart: resent from `pendingSends()` and acknowledged by their outbox entry.
@Suite struct OutboxRestartTests {
    /// The `.message` events among `events`.
    func messages(_ events: [AppEvent]) -> [DecryptedMessage] {
        events.compactMap {
            if case .message(let message) = $0 { return message }
            return nil
        }
    }

    /// Whether `stored` is the history entry `markSent` of a prepared message records: this device's payload under
    /// the server's id in the channel, neither edited nor deleted.
    func isOwnSend(
        _ stored: StoredMessage?, id: UUID, channel: UUID, sender: DeviceAddress, payload: MessagePayload
    ) -> Bool {
        guard let stored else { return false }
        return stored.id == id && stored.channel == channel && stored.sender == sender && stored.payload == payload
            && stored.editedAt == nil && !stored.isDeleted
    }

    /// Alice's store under a known key, so it can be reopened as after an app restart.
    func makeAlice(
        at path: String, key: SecureBytes, user: UUID, server: TestServer
    ) async throws -> (SQLiteStore, E2EEEngine) {
        let store = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: user, device: UUID()), key: .rawKey(key), oneTimePreKeys: 10)
        let engine = try E2EEEngine(store: store, server: await server.client(for: user), logger: quietLogger)
        try await engine.bootstrap()
        return (store, engine)
    }

    @Test func pendingSendIsAcknowledgedAfterARestart() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let key = SecureBytes(random: 32, using: SystemRandom())
        let aliceUser = UUID()
        let path = directory.path("alice")
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([aliceUser, bob.user])
        let prepared: PreparedMessage
        let address: DeviceAddress
        do {
            let (_, engine) = try await makeAlice(at: path, key: key, user: aliceUser, server: server)
            address = engine.address
            prepared = try await engine.prepareMessage(text: "survives", channel: channel, participants: [bob.user])
            // The app stops here: the engine and the store are gone before the body was posted.
        }

        let store = try SQLiteStore.open(at: path, key: .rawKey(key))
        let restarted = try E2EEEngine(store: store, server: await server.client(for: aliceUser), logger: quietLogger)
        let pending = try await restarted.pendingSends()
        #expect(pending.count == 1)
        let entry = try #require(pending.first)
        #expect(entry.body == prepared.body)
        #expect(entry.channel == channel)
        #expect(entry.payload == prepared.payload)

        let sent = try await server.client(for: aliceUser).sendMessage(channel: entry.channel, body: entry.body)
        // The echo may come before the acknowledgement: it is recognised from the pending entry, without a fetch.
        #expect(await server.listCalls == 0)
        var echoes: [AppEvent] = []
        for frame in await server.drainFrames(for: aliceUser, device: address.device) {
            echoes += await restarted.process(frame: frame)
        }
        #expect(messages(echoes).map(\.id) == [sent.id])
        #expect(messages(echoes).first?.payload == prepared.payload)
        #expect(messages(echoes).first?.trust == nil)
        #expect(await server.listCalls == 0)

        let stored = try await restarted.markSent(entry, messageID: sent.id)
        #expect(isOwnSend(stored, id: sent.id, channel: channel, sender: address, payload: prepared.payload))
        let expected = try #require(try store.message(id: sent.id))
        #expect(stored == expected)
        #expect(try await restarted.pendingSends().isEmpty)
        #expect(try store.pendingSends().isEmpty)
        // Acknowledging the same entry again changes nothing.
        #expect(try await restarted.markSent(entry, messageID: sent.id) == expected)
        #expect(try store.messageCount() == 1)

        // Bob gets the message; a further restarted engine recognises the echo from the history.
        #expect(bodies(await bob.pump()) == ["survives"])
        var echo = sent
        echo.messageKeys = nil
        try await server.dispatch(.dmMessageCreate, echo, to: [aliceUser])
        let listCalls = await server.listCalls
        let again = try E2EEEngine(store: store, server: await server.client(for: aliceUser), logger: quietLogger)
        var later: [AppEvent] = []
        for frame in await server.drainFrames(for: aliceUser, device: address.device) {
            later += await again.process(frame: frame)
        }
        #expect(messages(later).map(\.id) == [sent.id])
        #expect(messages(later).first?.payload.body == "survives")
        #expect(messages(later).first?.sender == address)
        #expect(await server.listCalls == listCalls)
    }

    @Test func markSentOfAnEntryRecordsWhatMarkSentOfItsPreparedMessageRecords() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let client = await server.client(for: alice.user)
        let first = try await alice.engine.prepareMessage(text: "one", channel: channel, participants: [bob.user])
        let second = try await alice.engine.prepareMessage(text: "two", channel: channel, participants: [bob.user])
        let entries = try await alice.engine.pendingSends()
        #expect(entries.map(\.id) == [first.entry.id, second.entry.id])
        #expect(entries.map(\.payload) == [first.payload, second.payload])

        let sentFirst = try await client.sendMessage(channel: channel, body: first.body)
        try await alice.engine.markSent(first, messageID: sentFirst.id)
        let sentSecond = try await client.sendMessage(channel: channel, body: entries[1].body)
        try await alice.engine.markSent(entries[1], messageID: sentSecond.id)

        let address = alice.engine.address
        #expect(
            isOwnSend(
                try alice.store.message(id: sentFirst.id), id: sentFirst.id, channel: channel, sender: address,
                payload: first.payload))
        #expect(
            isOwnSend(
                try alice.store.message(id: sentSecond.id), id: sentSecond.id, channel: channel, sender: address,
                payload: second.payload))
        #expect(try alice.store.pendingSends().isEmpty)
        #expect(bodies(await bob.pump()) == ["one", "two"])
    }
}
