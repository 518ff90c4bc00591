import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

@Suite struct BootstrapTests {
    @Test func bootstrapRegistersAndUploadsKeys() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        #expect(try alice.store.isRegistered())
        #expect(await server.oneTimePreKeyCount(user: alice.user, device: alice.device) == 100)
        #expect(try alice.store.pendingOneTimePreKeys().isEmpty)
        // A second bootstrap changes nothing on the server.
        try await alice.engine.bootstrap()
        #expect(await server.uploadedBatches.count == 1)
    }

    @Test func readyTopsUpAndIsPassedThroughByteIdentical() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory, oneTimePreKeys: 30)
        let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"x","user":{"id":"u"}}, "extra": 1}"#.utf8)
        let events = await alice.feed([ready])
        #expect(events == [.keysReplenished(count: 70), .passthrough(bytes: ready, frame: try Frame(parsing: ready))])
        #expect(await server.oneTimePreKeyCount(user: alice.user, device: alice.device) == 100)
    }
}

@Suite struct MessagingTests {
    @Test func oneToOneMessageReplayAndEcho() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("hello bob", channel: channel, to: [bob.user])

        let frames = await server.drainFrames(for: bob.user, device: bob.device)
        let events = await bob.feed(frames)
        #expect(bodies(events) == ["hello bob"])
        // The same DM_MESSAGE_CREATE again: no second message.
        let replay = await bob.feed(frames)
        #expect(bodies(replay).isEmpty)
        #expect(!replay.contains { if case .undecryptable = $0 { true } else { false } })

        // Alice's own echo shows as her message.
        #expect(bodies(await alice.pump()) == ["hello bob"])

        // Bob answers over the session the pre-key message started.
        try await bob.send("hi alice", channel: channel, to: [alice.user])
        #expect(bodies(await alice.pump()) == ["hi alice"])
        #expect(bodies(await bob.pump()) == ["hi alice"])
    }

    @Test func groupDMWithMultipleDevices() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let aliceUser = UUID()
        let alice = try await makeDevice("a1", user: aliceUser, server: server, in: directory)
        let alice2 = try await makeDevice("a2", server: server, in: directory, linkedTo: alice)
        let bob = try await makeDevice("b", server: server, in: directory)
        let carol = try await makeDevice("c", server: server, in: directory)
        let channel = await server.createChannel([aliceUser, bob.user, carol.user])
        try await alice.send("hi all", channel: channel, to: [bob.user, carol.user])
        #expect(bodies(await bob.pump()) == ["hi all"])
        #expect(bodies(await carol.pump()) == ["hi all"])
        #expect(bodies(await alice2.pump()) == ["hi all"])
        try await carol.send("from carol", channel: channel, to: [aliceUser, bob.user])
        #expect(bodies(await alice.pump()).contains("from carol"))
        let alice2Events = await alice2.pump()
        #expect(bodies(alice2Events) == ["from carol"], "\(alice2Events)")
        #expect(bodies(await bob.pump()) == ["from carol"])
    }

    @Test func preKeyExhaustionRunsX3DHWithoutOneTimeKey() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 0)
        #expect(await server.oneTimePreKeyCount(user: bob.user, device: bob.device) == 0)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("no opk", channel: channel, to: [bob.user])
        let events = await bob.pump()
        #expect(bodies(events) == ["no opk"])
    }

    @Test func messageWithoutWrapForThisDeviceIsUndecryptable() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        // A message posted with no wrap for Bob.
        let body = try WireJSON.encode(SendMessageRequest(content: "AQID", messageKeys: []))
        let sent = try await server.client(for: alice.user).sendMessage(channel: channel, body: body)
        let events = await bob.pump()
        #expect(events == [.undecryptable(messageID: sent.id, reason: .noKeyForThisDevice)])
        #expect(await server.listCalls == 1)
    }

    @Test func malformedFramesPassThroughOrBecomeTypedEvents() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory)
        let inputs = [
            "not json", "[1,2]", #"{"t":"DM_MESSAGE_CREATE"}"#, #"{"op":0,"t":"DM_MESSAGE_CREATE","d":{}}"#,
            #"{"op":0,"t":"DM_MESSAGE_DELETE","d":"x"}"#, #"{"op":0,"t":"KEY_BUNDLE_LOW","d":{"device_id":5}}"#,
            #"{"op":0,"t":"IDENTITY_KEY_CHANGED","d":{"user_id":"x"}}"#, #"{"op":0,"s":3,"t":"SOMETHING_NEW","d":[]}"#,
            #"{"op":11}"#,
        ].map { Array($0.utf8) }
        let events = await bob.feed(inputs)
        #expect(events.count == inputs.count)
        for (event, input) in zip(events, inputs) {
            guard case .passthrough(let bytes, _) = event else {
                Issue.record("expected a passthrough for \(String(decoding: input, as: UTF8.self))")
                continue
            }
            #expect(bytes == input)
        }
        // A DM message whose content is garbage, with a wrap for Bob: a typed event, not a crash.
        let message = Message(
            id: UUID(), channelID: UUID(), author: .init(id: UUID(), username: "m"), content: "!!",
            encrypted: true, messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: [1, 2, 3])],
            createdAt: TestServer.timestamp)
        let frame = Frame(op: .dispatch, sequence: 9, type: .dmMessageCreate, data: try RawJSON(encoding: message))
        let typed = await bob.engine.process(frame: frame)
        #expect(typed == [.undecryptable(messageID: message.id, reason: .malformed)])
    }

    @Test func deleteAndEdit() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let sent = try await alice.send("first", channel: channel, to: [bob.user])
        _ = await bob.pump()
        let edit = try await alice.engine.prepareEdit(
            of: sent.id, text: "second", channel: channel, participants: [bob.user])
        let request = try WireJSON.decode(SendMessageRequest.self, from: edit.body)
        var updated = sent
        updated.content = request.content
        updated.messageKeys = request.messageKeys.filter { $0.recipient == .device(bob.device) }
        updated.editedAt = Timestamp(rfc3339: "2025-01-02T00:00:00Z")
        let frame = Frame(op: .dispatch, sequence: 5, type: .dmMessageUpdate, data: try RawJSON(encoding: updated))
        let events = await bob.engine.process(frame: frame)
        guard case .messageEdited(let message)? = events.last else {
            Issue.record("expected an edit, got \(events)")
            return
        }
        #expect(message.payload.body == "second")
        #expect(message.payload.editOf == sent.id)
        let delete = Frame(
            op: .dispatch, sequence: 6, type: .dmMessageDelete,
            data: try RawJSON(encoding: MessageDelete(id: sent.id, channelID: channel)))
        // The server cannot delete for the author: the copy is kept, marked (issue 13).
        #expect(await bob.engine.process(frame: delete) == [.messageRemovedByServer(id: sent.id, channel: channel)])
        #expect(try bob.store.message(id: sent.id)?.payload.body == "second")
    }
}
