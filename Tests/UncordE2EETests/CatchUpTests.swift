import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// READY catches up on the DM history a client missed while it was killed: nothing lost, nothing twice.
@Suite struct CatchUpTests {
    /// A READY dispatch as the gateway sends it.
    let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"s","user":{"id":"u"}}}"#.utf8)

    /// The `.message` events among `events`.
    func messages(_ events: [AppEvent]) -> [DecryptedMessage] {
        events.compactMap {
            if case .message(let message) = $0 { return message }
            return nil
        }
    }

    @Test func readyAfterARestartReceivesTheMissedMessagesOnceInOrder() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let key = SecureBytes(random: 32, using: SystemRandom())
        let bobUser = UUID()
        let path = directory.path("bob")
        let alice = try await makeDevice("a", server: server, in: directory)
        let bobAddress = DeviceAddress(user: bobUser, device: UUID())
        let channel = await server.createChannel([alice.user, bobUser])
        var sent: [Message] = []
        do {
            let store = try SQLiteStore.create(at: path, device: bobAddress, key: .rawKey(key), oneTimePreKeys: 20)
            let engine = try E2EEEngine(store: store, server: await server.client(for: bobUser), logger: quietLogger)
            try await engine.bootstrap()
            for index in 1...5 { sent.append(try await alice.send("m\(index)", channel: channel, to: [bobUser])) }
            let frames = await server.drainFrames(for: bobUser, device: bobAddress.device)
            #expect(frames.count == 5)
            var events: [AppEvent] = []
            for frame in frames.prefix(2) { events += await engine.process(frame: frame) }
            #expect(bodies(events) == ["m1", "m2"])
            // The client is killed here: the other three frames are never processed.
        }

        let store = try SQLiteStore.open(at: path, key: .rawKey(key))
        #expect(try store.messageCount() == 2)
        #expect(try store.knownChannels() == [channel])
        let restarted = try E2EEEngine(store: store, server: await server.client(for: bobUser), logger: quietLogger)
        let events = await restarted.process(frame: ready)
        #expect(messages(events).map(\.id) == sent.suffix(3).map(\.id))
        #expect(bodies(events) == ["m3", "m4", "m5"])
        #expect(messages(events).allSatisfy { $0.sender == alice.engine.address && $0.channel == channel })
        #expect(events.last == .passthrough(bytes: ready, frame: try Frame(parsing: ready)))
        #expect(try store.messageCount() == 5)
        for (index, message) in sent.enumerated() {
            #expect(try store.message(id: message.id)?.payload.body == "m\(index + 1)")
        }

        let again = await restarted.process(frame: ready)
        #expect(again == [.passthrough(bytes: ready, frame: try Frame(parsing: ready))])
        #expect(try store.messageCount() == 5)
    }

    @Test func catchUpPagesBackUntilAPageHoldsNothingNew() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        var configuration = E2EEConfiguration()
        configuration.catchUpPageSize = 2
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory, configuration: configuration)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("first", channel: channel, to: [bob.user])
        #expect(bodies(await bob.pump()) == ["first"])
        for index in 1...5 { try await alice.send("late \(index)", channel: channel, to: [bob.user]) }
        _ = await server.drainFrames(for: bob.user, device: bob.device)  // lost with the connection

        let calls = await server.listCalls
        let events = await bob.feed([ready])
        #expect(bodies(events) == (1...5).map { "late \($0)" })
        // Pages of two: [5, 4], [3, 2], [1, first], then one older page holding nothing new ends the walk.
        #expect(await server.listCalls == calls + 4)
        #expect(try bob.store.messageCount() == 6)
    }
}
