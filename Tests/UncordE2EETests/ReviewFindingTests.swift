import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// The findings of the trust review (issue 13), one test each; every one failed on the code before its fix.
@Suite struct ReviewFindingTests {
    /// Alice and Bob with one message each way.
    private func pair() async throws -> (
        alice: TestDevice, bob: TestDevice, channel: UUID, server: TestServer, directory: Scratch
    ) {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("one", channel: channel, to: [bob.user])
        _ = await bob.pump()
        try await bob.send("two", channel: channel, to: [alice.user])
        _ = await alice.pump()
        return (alice, bob, channel, server, directory)
    }

    /// (high) A device the server registers for Bob, with its own key and a valid self-signed signed pre-key, gets
    /// no wrap from Alice.
    @Test func aServerAddedDeviceOfAPeerGetsNoWrap() async throws {
        let (alice, bob, channel, server, directory) = try await pair()
        let rogue = try await makeDevice("rogue", user: bob.user, server: server, in: directory)
        let events = await alice.pump()
        #expect(events.contains(.deviceRefused(user: bob.user, device: rogue.device, reason: .foreignIdentityKey)))
        try await alice.send("three", channel: channel, to: [bob.user])
        #expect(bodies(await rogue.pump()).isEmpty)
        #expect(bodies(await bob.pump()).contains("three"))
    }

    /// (high) The same for a device the server adds to Alice's own account: after a new gateway session (READY)
    /// Alice's device sees it, reports it, and never wraps for it.
    @Test func aServerAddedDeviceOfOnesOwnAccountGetsNoWrap() async throws {
        let (alice, bob, channel, server, directory) = try await pair()
        let rogue = try await makeDevice("rogue", user: alice.user, server: server, in: directory)
        let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"again","user":{"id":"u"}}}"#.utf8)
        let events = await alice.feed([ready])
        #expect(events.contains(.deviceRefused(user: alice.user, device: rogue.device, reason: .foreignIdentityKey)))
        try await alice.send("three", channel: channel, to: [bob.user])
        #expect(bodies(await rogue.pump()).isEmpty)
        #expect(bodies(await bob.pump()).contains("three"))
    }

    /// (medium) A verified peer's key change seen in a pre-key wrap: the whole trust outcome is written in one
    /// transaction, so a failure where the old code wrote the send block (a second transaction) leaves sending to
    /// the peer refused, never open to the new key.
    @Test func aVerifiedPeersChangeInAPreKeyWrapIsRecordedAtomically() async throws {
        let (alice, bob, channel, server, directory) = try await pair()
        let number = try await bob.engine.safetyNumber(with: alice.user)
        try await alice.engine.verify(user: bob.user, safetyNumber: number.scannableText)
        let newBob = try await makeDevice(
            "b2", user: bob.user, device: bob.device, server: server, in: directory, bootstrap: false)
        try await server.reinstallDevice(
            user: bob.user, device: bob.device, key: try newBob.store.localIdentity().keyPair.publicKey.bytes)
        try await newBob.engine.bootstrap()
        _ = await server.drainFrames(for: alice.user, device: alice.device)  // the IDENTITY_KEY_CHANGED is lost
        try await newBob.send("from the new key", channel: channel, to: [alice.user])
        let oldKey = try bob.store.localIdentity().keyPair.publicKey
        try alice.store.injectFailureOnSendBlock()
        _ = await alice.pump()
        try alice.store.removeInjectedFailure()
        // The failed judgement wrote nothing: the verified pin stands, never a new key without its block.
        let pin = try #require(try alice.store.peerIdentity(of: bob.user))
        #expect(pin.identityKey == oldKey && pin.trust == .verified && pin.pendingKey == nil)
        await #expect(throws: E2EEError.self) {
            _ = try await alice.engine.prepareMessage(text: "to whom?", channel: channel, participants: [])
        }
    }

    /// (low) A too-long message is refused before any bundle is fetched or pin written.
    @Test func aTooLongMessageIsRefusedBeforeAnyFetch() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let before = await server.oneTimePreKeyCount(user: bob.user, device: bob.device)
        await #expect(throws: E2EEError.self) {
            _ = try await alice.engine.prepareMessage(
                text: String(repeating: "x", count: 5000), channel: channel, participants: [bob.user])
        }
        #expect(await server.oneTimePreKeyCount(user: bob.user, device: bob.device) == before)
        #expect(try alice.store.peerUsers().filter { $0 != alice.user }.isEmpty)
    }

    /// (medium) The echo of one's own send is matched to the recorded send: the same content under another id or
    /// channel is not shown as this user's message.
    @Test func anEchoUnderAnotherIDIsNotTakenForOnesOwnSend() async throws {
        let (alice, _, channel, _, _) = try await pair()
        let prepared = try await alice.engine.prepareMessage(text: "mine", channel: channel, participants: [])
        let request = try WireJSON.decode(SendMessageRequest.self, from: prepared.body)
        let forged = Message(
            id: UUID(), channelID: UUID(), author: .init(id: alice.user, username: "alice"),
            content: request.content, encrypted: true,
            createdAt: try #require(Timestamp(rfc3339: "2026-01-01T00:00:00Z")))
        let frame = try HostileFixture.dispatch(.dmMessageCreate, forged)
        let events = await alice.engine.process(frame: frame)
        #expect(bodies(events).isEmpty)
    }
}

extension ReviewFindingTests {
    /// (medium) A message is labelled by the key of the session that decrypted it, and a session of a superseded key
    /// never becomes the active one again.
    @Test func aMessageOfASupersededKeyIsNotLabelledByTheNewPin() async throws {
        let (alice, bob, channel, server, directory) = try await pair()
        try await bob.send("in flight", channel: channel, to: [alice.user])
        let inFlight = await server.drainFrames(for: alice.user, device: alice.device)
        let newBob = try await makeDevice(
            "b2", user: bob.user, device: bob.device, server: server, in: directory, bootstrap: false)
        try await server.reinstallDevice(
            user: bob.user, device: bob.device, key: try newBob.store.localIdentity().keyPair.publicKey.bytes)
        try await newBob.engine.bootstrap()
        _ = await alice.pump()
        try await alice.send("to the new key", channel: channel, to: [bob.user])
        _ = await newBob.pump()
        try await newBob.send("new key here", channel: channel, to: [alice.user])
        _ = await alice.pump()
        let number = try await newBob.engine.safetyNumber(with: alice.user)
        try await alice.engine.acceptIdentityChange(user: bob.user)
        try await alice.engine.verify(user: bob.user, safetyNumber: number.scannableText)

        let events = await alice.feed(inFlight)
        let message = try #require(
            events.compactMap { event -> DecryptedMessage? in
                if case .message(let message) = event { return message }
                return nil
            }.first)
        #expect(message.payload.body == "in flight")
        #expect(message.trust != .verified)
        let record = try #require(try alice.store.sessionRecord(for: DeviceAddress(user: bob.user, device: bob.device)))
        #expect(record.active.peerIdentity == (try newBob.store.localIdentity().keyPair.publicKey))
    }

    /// (medium) A user the server adds to a 1:1 DM is never wrapped for.
    @Test func aUserTheServerAddsToADirectChannelGetsNoWrap() async throws {
        let (alice, bob, channel, server, directory) = try await pair()
        let created = DMChannel(
            id: channel, kind: .direct, createdAt: try #require(Timestamp(rfc3339: "2026-01-01T00:00:00Z")),
            updatedAt: try #require(Timestamp(rfc3339: "2026-01-01T00:00:00Z")))
        _ = await alice.feed([try HostileFixture.dispatch(.dmChannelCreate, created)])
        let carol = try await makeDevice("c", server: server, in: directory)
        await server.addParticipant(carol.user, to: channel)
        try await carol.send("let me in", channel: channel, to: [alice.user, bob.user])
        _ = await alice.pump()
        #expect(!(try await alice.engine.channelMembers(channel)).contains(carol.user))
        try await alice.send("just us", channel: channel, to: [])
        #expect(!bodies(await carol.pump()).contains("just us"))
    }
}

extension ReviewFindingTests {
    /// (low) A server's DM_MESSAGE_DELETE never erases the local copy: it is applied only to a message stored in the
    /// channel it names, and only marks it.
    @Test func aServerDeleteKeepsTheLocalCopy() async throws {
        let (alice, bob, channel, _, _) = try await pair()
        let sent = try await bob.send("keep me", channel: channel, to: [alice.user])
        _ = await alice.pump()
        let elsewhere = try HostileFixture.dispatch(.dmMessageDelete, MessageDelete(id: sent.id, channelID: UUID()))
        _ = await alice.feed([elsewhere])
        #expect(try alice.store.message(id: sent.id)?.payload.body == "keep me")
        let here = try HostileFixture.dispatch(.dmMessageDelete, MessageDelete(id: sent.id, channelID: channel))
        let events = await alice.feed([here])
        #expect(events == [.messageRemovedByServer(id: sent.id, channel: channel)])
        let kept = try #require(try alice.store.message(id: sent.id))
        #expect(kept.payload.body == "keep me" && kept.isRemovedByServer && !kept.isDeleted)
    }

    /// The author's delete travels encrypted, in-band, and erases the message on every device; a delete naming
    /// someone else's message is refused.
    @Test func theAuthorsDeleteIsEncryptedAndOnlyForTheirOwnMessages() async throws {
        let (alice, bob, channel, server, _) = try await pair()
        let sent = try await bob.send("regret", channel: channel, to: [alice.user])
        _ = await alice.pump()
        let delete = try await bob.engine.prepareDelete(of: sent.id, channel: channel, participants: [])
        let posted = try await server.client(for: bob.user).sendMessage(channel: channel, body: delete.body)
        try await bob.engine.markSent(delete, messageID: posted.id)
        #expect(try bob.store.message(id: sent.id)?.isDeleted == true)
        let events = await alice.pump()
        #expect(events.contains(.messageDeleted(id: sent.id, channel: channel)))
        #expect(bodies(events).isEmpty)
        let erased = try #require(try alice.store.message(id: sent.id))
        #expect(erased.isDeleted && erased.payload.body.isEmpty)

        // Bob cannot delete Alice's message: the delete is refused and her copy stays.
        let mine = try await alice.send("mine to keep", channel: channel, to: [bob.user])
        _ = await bob.pump()
        let forged = try await bob.engine.prepareDelete(of: mine.id, channel: channel, participants: [])
        _ = try await server.client(for: bob.user).sendMessage(channel: channel, body: forged.body)
        let refused = await alice.pump()
        #expect(refused.contains { if case .undecryptable = $0 { true } else { false } })
        #expect(try alice.store.message(id: mine.id)?.payload.body == "mine to keep")
    }
}

extension SQLiteStore {
    /// Makes every later write that sets a send block fail, as a crash at that point would.
    func injectFailureOnSendBlock() throws {
        try connection.write { db in
            try db.run(
                """
                CREATE TRIGGER injected_failure BEFORE UPDATE OF send_blocked ON peer_identities
                WHEN NEW.send_blocked = 1 BEGIN SELECT RAISE(FAIL, 'injected failure'); END
                """)
        }
    }

    func removeInjectedFailure() throws {
        try connection.write { db in try db.run("DROP TRIGGER injected_failure") }
    }
}
