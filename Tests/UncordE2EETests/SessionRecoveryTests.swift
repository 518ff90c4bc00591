import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordSQLite
import UncordStore
import UncordTestSupport

/// Issue 16, item 3: when messages from a device cannot be decrypted because this side lost or forked the session,
/// the engine reports them once, starts a new session with the device and tells it so in an encrypted control
/// message (never shown as a message); the peer switches, and the conversation carries on within one round trip.
@Suite struct SessionRecoveryTests {
    /// Alice and Bob in a DM, a few messages exchanged each way.
    static func conversation(in directory: Scratch, server: TestServer) async throws -> (
        alice: TestDevice, bob: TestDevice, channel: UUID
    ) {
        let alice = try await makeDevice("alice", server: server, in: directory)
        let bob = try await makeDevice("bob", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        for index in 0..<3 {
            try await alice.send("alice \(index)", channel: channel, to: [bob.user])
            #expect(received(await bob.pump(), by: bob) == ["alice \(index)"])
            try await bob.send("bob \(index)", channel: channel, to: [alice.user])
            #expect(received(await alice.pump(), by: alice) == ["bob \(index)"])
        }
        return (alice, bob, channel)
    }

    /// Deletes every stored session with `user`'s devices, through a connection of its own to the store file.
    static func deleteSessions(with user: UUID, in path: String) throws {
        let connection = try SQLiteDatabase(path: path, options: .init(sharing: .shared))
        try connection.write { db in
            try db.run("DELETE FROM sessions WHERE peer_user = ?", [.text(user.uuidString.lowercased())])
        }
    }

    static func undecryptable(_ events: [AppEvent]) -> [UUID] {
        events.compactMap { if case .undecryptable(let id, _) = $0 { id } else { nil } }
    }

    /// The posts `user` made in `channel`, as the server holds them.
    static func posts(by user: UUID, in channel: UUID, server: TestServer) async throws -> [Message] {
        try await server.client(for: user).messages(channel: channel, device: UUID(), before: nil, limit: 100_000)
            .filter { $0.author.id == user }
    }

    /// After the loss: Alice writes, Bob cannot read it (reported once) and recovers; Alice's device takes the new
    /// session from the control message, which it does not show; her next message is read.
    static func expectRecovery(alice: TestDevice, bob: TestDevice, channel: UUID, server: TestServer) async throws {
        let lost = try await alice.send("while lost", channel: channel, to: [bob.user])
        let before = try await posts(by: bob.user, in: channel, server: server).count
        let failed = await bob.pump()
        #expect(undecryptable(failed) == [lost.id])
        #expect(received(failed, by: bob).isEmpty)
        #expect(try await posts(by: bob.user, in: channel, server: server).count == before + 1)
        let control = await alice.pump()
        #expect(received(control, by: alice).isEmpty, "the control message was shown")
        #expect(undecryptable(control).isEmpty)
        try await alice.send("healed", channel: channel, to: [bob.user])
        let healed = await bob.pump()  // with the echo of Bob's own control message
        #expect(received(healed, by: bob) == ["healed"])
        #expect(bodies(healed) == ["healed"], "the recovering device showed its own control message")
        try await bob.send("and back", channel: channel, to: [alice.user])
        #expect(received(await alice.pump(), by: alice) == ["and back"])
    }

    @Test func aStoreRestoredFromAStaleBackupRecovers() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (alice, first, channel) = try await Self.conversation(in: directory, server: server)
        var bob = first
        let backup = try bob.exportBackup(in: directory)
        for index in 0..<4 {
            try await alice.send("later \(index)", channel: channel, to: [bob.user])
            _ = await bob.pump()
            try await bob.send("later reply \(index)", channel: channel, to: [alice.user])
            _ = await alice.pump()
        }
        _ = await bob.pump()  // the old device's last own echo
        bob = try await bob.restored(from: backup, in: directory)
        try await Self.expectRecovery(alice: alice, bob: bob, channel: channel, server: server)
    }

    @Test func aDeletedSessionRecovers() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (alice, bob, channel) = try await Self.conversation(in: directory, server: server)
        // Bob's sessions with Alice's device are lost (a damaged store, a bug, a person clearing data).
        try Self.deleteSessions(with: alice.user, in: directory.path("bob"))
        try await Self.expectRecovery(alice: alice, bob: bob, channel: channel, server: server)
    }

    @Test func aPeerThatReinstalledWithoutTellingAnyoneRecovers() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (alice, bob, channel) = try await Self.conversation(in: directory, server: server)
        _ = await bob.pump()  // the old install's last own echo
        // Bob reinstalls: a new store for the same device id, with new keys and no sessions. Alice is not told.
        let reinstalled = try await makeDevice(
            "bob-reinstalled", user: bob.user, device: bob.device, server: server, in: directory)
        // The new install's app opens the DM again, which tells the store who is in it (a recovery only goes to a
        // channel's known members).
        try reinstalled.store.rememberMembers([alice.user, bob.user], of: channel)
        // Alice hears of the new key (IDENTITY_KEY_CHANGED, a trust warning) but keeps her session, which the new
        // install does not have.
        #expect(await alice.pump().contains { $0.trustWarning != nil })
        try await Self.expectRecovery(alice: alice, bob: reinstalled, channel: channel, server: server)
    }

    @Test func aForgedMessageStartsOneRecoveryAndLosesNothing() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (alice, bob, channel) = try await Self.conversation(in: directory, server: server)
        // The server forges a message from Alice's device: her last one under a new id, its wrap naming a new
        // ratchet key (as a fork would), so no session of Bob's can open it.
        let listed = try await server.client(for: bob.user).messages(
            channel: channel, device: bob.device, before: nil, limit: 10)
        var forged = try #require(listed.first { $0.author.id == alice.user })
        forged.id = UUID()
        var keys = try #require(forged.messageKeys)
        #expect(keys[0].encryptedKey.count == KeyWrap.ratchetByteCount)
        keys[0].encryptedKey.replaceSubrange(
            18..<50, with: X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes)
        forged.messageKeys = keys
        let frame = Frame(op: .dispatch, sequence: 99, type: .dmMessageCreate, data: try RawJSON(encoding: forged))
        let before = try await Self.posts(by: bob.user, in: channel, server: server).count
        #expect(Self.undecryptable(await bob.engine.process(frame: frame.encoded())) == [forged.id])
        #expect(try await Self.posts(by: bob.user, in: channel, server: server).count == before + 1)
        // Alice's message in flight on the old session still reads; then she takes the new session.
        try await alice.send("in flight", channel: channel, to: [bob.user])
        #expect(received(await bob.pump(), by: bob) == ["in flight"])
        #expect(received(await alice.pump(), by: alice).isEmpty)
        try await alice.send("on the new session", channel: channel, to: [bob.user])
        #expect(received(await bob.pump(), by: bob) == ["on the new session"])
        try await bob.send("reply", channel: channel, to: [alice.user])
        #expect(received(await alice.pump(), by: alice) == ["reply"])
        // A second forgery within the hour starts nothing.
        forged.id = UUID()
        let again = Frame(op: .dispatch, sequence: 100, type: .dmMessageCreate, data: try RawJSON(encoding: forged))
        _ = await bob.engine.process(frame: again.encoded())
        #expect(try await Self.posts(by: bob.user, in: channel, server: server).count == before + 2)
    }

    @Test func aForgedMessageFromANonMemberNeverMakesThemAReader() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (alice, bob, channel) = try await Self.conversation(in: directory, server: server)
        let eve = try await makeDevice("eve", server: server, in: directory)
        // The server attributes to Eve, in Alice and Bob's DM, a message no session of Bob's opens: Alice's last
        // wrap, its sender device made Eve's.
        let listed = try await server.client(for: bob.user).messages(
            channel: channel, device: bob.device, before: nil, limit: 10)
        var forged = try #require(listed.first { $0.author.id == alice.user })
        forged.id = UUID()
        forged.author = .init(id: eve.user, username: "eve")
        var keys = try #require(forged.messageKeys)
        let eveDevice = withUnsafeBytes(of: eve.device.uuid) { Array($0) }
        keys[0].encryptedKey.replaceSubrange(1..<17, with: eveDevice)
        forged.messageKeys = keys
        let frame = Frame(op: .dispatch, sequence: 99, type: .dmMessageCreate, data: try RawJSON(encoding: forged))
        let before = try await Self.posts(by: bob.user, in: channel, server: server).count
        #expect(Self.undecryptable(await bob.engine.process(frame: frame.encoded())) == [forged.id])
        // No recovery in a channel Eve is not a known member of: nothing posted, and Eve gets nothing later.
        #expect(try await Self.posts(by: bob.user, in: channel, server: server).count == before)
        #expect(try !bob.store.members(of: channel).contains(eve.user))
        let next = try await bob.engine.prepareMessage(text: "just us", channel: channel, participants: [])
        let request = try WireJSON.decode(SendMessageRequest.self, from: next.body)
        #expect(!request.messageKeys.contains { $0.recipient == .device(eve.device) })
    }

    @Test func aFloodOfUndecryptableMessagesStartsOneRecovery() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (alice, bob, channel) = try await Self.conversation(in: directory, server: server)
        try Self.deleteSessions(with: alice.user, in: directory.path("bob"))
        let before = try await Self.posts(by: bob.user, in: channel, server: server).count
        // 1,000 messages Bob cannot read (each reported once); one recovery, one control message.
        var failed: [UUID] = []
        for index in 0..<1000 {
            try await alice.send("flood \(index)", channel: channel, to: [bob.user])
            if index % 100 == 99 { failed += Self.undecryptable(await bob.pump()) }
        }
        #expect(failed.count == 1000)
        #expect(Set(failed).count == 1000)
        #expect(try await Self.posts(by: bob.user, in: channel, server: server).count == before + 1)
        // A new engine on the same store (a restart) does not start another within the hour.
        let restarted = TestDevice(
            store: bob.store,
            engine: try E2EEEngine(store: bob.store, server: await server.client(for: bob.user), logger: quietLogger),
            server: server)
        let stale = try await alice.send("after the restart", channel: channel, to: [bob.user])
        _ = stale
        _ = await restarted.pump()
        #expect(try await Self.posts(by: bob.user, in: channel, server: server).count == before + 1)
    }
}
