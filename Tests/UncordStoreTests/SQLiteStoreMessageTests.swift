import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Receiving and sending through the store: one transaction per step, exactly-once storage, the outbox.
@Suite("SQLite store: messages")
struct SQLiteStoreMessageTests {
    /// Alice and Bob, one device each, their keys uploaded to a fresh server.
    struct Pair {
        let directory: Scratch
        let server = FakeServer()
        let alice: SQLiteStore
        let bob: SQLiteStore
        let aliceAddress: DeviceAddress
        let bobAddress: DeviceAddress

        init(oneTimePreKeys: Int = 5) throws {
            directory = try Scratch("uncord-store", passphraseFiles: false)
            alice = try directory.store("alice.sqlite", oneTimePreKeys: oneTimePreKeys)
            bob = try directory.store("bob.sqlite", oneTimePreKeys: oneTimePreKeys)
            aliceAddress = try server.upload(alice)
            bobAddress = try server.upload(bob)
        }

        /// Alice sends `body` to Bob; the message Bob fetches.
        func toBob(_ body: String, type: String = "text", editOf: UUID? = nil) throws -> Message {
            try #require(
                try server.send(body, from: alice, to: [bobAddress.user], type: type, editOf: editOf).messages[
                    bobAddress])
        }

        /// Bob sends `body` to Alice; the message Alice fetches.
        func toAlice(_ body: String) throws -> Message {
            try #require(try server.send(body, from: bob, to: [aliceAddress.user]).messages[aliceAddress])
        }
    }

    @Test("A received message is decrypted, stored and readable by its id")
    func receive() throws {
        let pair = try Pair()
        let message = try pair.toBob("hello bob")
        let received = try pair.bob.receive(message, using: SessionCipher())
        #expect(!received.wasAlreadyStored)
        #expect(received.message.id == message.id)
        #expect(received.message.channel == pair.server.channel)
        #expect(received.message.sender == pair.aliceAddress)
        #expect(received.message.payload.body == "hello bob")
        let aliceIdentity = try pair.alice.localIdentity().keyPair.publicKey
        #expect(received.notices == [.pinned(pair.aliceAddress, key: aliceIdentity)])
        #expect(try pair.bob.message(id: message.id) == received.message)
        #expect(try pair.bob.message(id: UUID()) == nil)
        #expect(try pair.bob.messageCount() == 1)
        #expect(try pair.bob.pinnedIdentity(for: pair.aliceAddress) == .init(key: aliceIdentity, level: .unverified))

        // Replies flow both ways.
        let reply = try pair.alice.receive(try pair.toAlice("hello alice"), using: SessionCipher())
        #expect(reply.message.payload.body == "hello alice")
        #expect(try pair.bob.receive(try pair.toBob("again"), using: SessionCipher()).message.payload.body == "again")
    }

    @Test("The same message id again returns the stored payload and writes nothing, whatever it carries now")
    func duplicateID() throws {
        let pair = try Pair()
        let message = try pair.toBob("once")
        let first = try pair.bob.receive(message, using: SessionCipher())
        let before = try pair.bob.tableRows()

        let again = try pair.bob.receive(message, using: SessionCipher())
        #expect(again.wasAlreadyStored)
        #expect(again.message == first.message)
        #expect(again.notices.isEmpty)
        #expect(try pair.bob.tableRows() == before)

        // A replay under the same id with other content and no wrap: still the stored payload, still no write.
        var replay = message
        replay.content = "AAAA"
        replay.messageKeys = []
        let replayed = try pair.bob.receive(replay, using: SessionCipher())
        #expect(replayed.wasAlreadyStored)
        #expect(replayed.message == first.message)
        #expect(try pair.bob.tableRows() == before)
        #expect(try pair.bob.messageCount() == 1)
    }

    @Test("A receive that fails leaves every table as it was; the intact message still opens afterwards")
    func failedReceive() throws {
        let pair = try Pair()
        // The first message starts Bob's session; tampered, it must not consume the one-time pre-key or pin.
        let first = try pair.toBob("first")
        try expectRefused(tampered(first), by: pair.bob, as: .authenticationFailed(.messageTag))
        _ = try pair.bob.receive(first, using: SessionCipher())

        let second = try pair.toBob("second")
        try expectRefused(tampered(second), by: pair.bob, as: .authenticationFailed(.messageTag))
        // The same content and wrap under another id: a second copy of the stored post (issue 16), recognised
        // without decrypting; nothing changes.
        var sameWrap = first
        sameWrap.id = UUID()
        let rows = try pair.bob.tableRows()
        #expect(try pair.bob.receive(sameWrap, using: SessionCipher()).duplicateOf == first.id)
        #expect(try pair.bob.tableRows() == rows)
        // The same wrap with other content: the ratchet knows it is a replay.
        var otherContent = second
        otherContent.id = UUID()
        otherContent.messageKeys = first.messageKeys
        try expectRefused(otherContent, by: pair.bob, as: .duplicateMessage)
        // A message without a wrap for Bob.
        var unaddressed = second
        unaddressed.id = UUID()
        unaddressed.messageKeys = []
        try expectRefused(unaddressed, by: pair.bob, as: .notAddressedToThisDevice)
        // Another channel than the one the content was sealed for.
        var moved = second
        moved.channelID = UUID()
        try expectRefused(moved, by: pair.bob, as: .authenticationFailed(.contentTag))

        #expect(try pair.bob.receive(second, using: SessionCipher()).message.payload.body == "second")
        #expect(try pair.bob.messageCount() == 2)
    }

    @Test("Sending advances the session and adds the outbox row together; acknowledge removes the row")
    func send() throws {
        let pair = try Pair()
        #expect(try pair.alice.sessionRecord(for: pair.bobAddress) == nil)
        #expect(try pair.alice.pendingSends().isEmpty)

        let (first, firstMessages) = try pair.server.send("one", from: pair.alice, to: [pair.bobAddress.user])
        let afterFirst = try #require(try pair.alice.sessionRecord(for: pair.bobAddress))
        #expect(try pair.alice.pendingSends().map(\.id) == [first.id])
        #expect(try pair.alice.pendingSends().map(\.body) == [first.body])
        #expect(first.channel == pair.server.channel)
        let request = try WireJSON.decode(SendMessageRequest.self, from: first.body)
        #expect(request.messageKeys.map(\.recipient) == [.device(pair.bobAddress.device)])

        let (second, _) = try pair.server.send("two", from: pair.alice, to: [pair.bobAddress.user])
        #expect(try pair.alice.sessionRecord(for: pair.bobAddress) != afterFirst)
        #expect(try pair.alice.pendingSends().map(\.body) == [first.body, second.body])
        #expect(try pair.alice.pendingSends().map(\.id) == [first.id, second.id])

        // A retry posts the stored bytes: the same request, which Bob opens once.
        let retried = try #require(try pair.alice.pendingSends().first)
        #expect(retried.body == first.body)
        let message = try #require(try pair.server.post(retried, from: pair.aliceAddress)[pair.bobAddress])
        #expect(try pair.bob.receive(message, using: SessionCipher()).message.payload.body == "one")
        // The first post, under its own id, is the same post: recognised as a copy of the one read, not read again.
        let original = try #require(firstMessages[pair.bobAddress])
        #expect(try pair.bob.receive(original, using: SessionCipher()).duplicateOf == message.id)

        try pair.alice.acknowledge(retried)
        #expect(try pair.alice.pendingSends().map(\.body) == [second.body])
        try pair.alice.acknowledge(second)
        #expect(try pair.alice.pendingSends().isEmpty)
        #expect(try pair.alice.status().outbox == 0)
    }

    @Test("A send that fails adds no outbox row and leaves the session as it was")
    func failedSend() throws {
        let pair = try Pair()
        _ = try pair.server.send("warm-up", from: pair.alice, to: [pair.bobAddress.user])
        let before = try pair.alice.tableRows()
        let tooLong = pair.server.payload(String(repeating: "x", count: 5000), from: pair.aliceAddress)
        #expect(
            throws: RatchetError.self,
            performing: {
                try pair.alice.send(
                    tooLong, channel: pair.server.channel, participants: [pair.bobAddress.user],
                    using: SessionCipher())
            })
        #expect(try pair.alice.tableRows() == before)
        let stranger = UUID()
        #expect(
            throws: RatchetError.preKeyBundleRequired(user: stranger, device: nil),
            performing: {
                try pair.alice.send(
                    pair.server.payload("hi", from: pair.aliceAddress), channel: pair.server.channel,
                    participants: [stranger], using: SessionCipher())
            })
        #expect(try pair.alice.tableRows() == before)
        #expect(try pair.alice.pendingSends().count == 1)
    }

    @Test("The one-time pre-key a session used is deleted in the receive that commits the session")
    func consumedOneTimePreKey() throws {
        let pair = try Pair(oneTimePreKeys: 3)
        let message = try pair.toBob("uses bob's first one-time pre-key")
        #expect(try pair.bob.oneTimePreKey(id: 1) != nil)
        #expect(try pair.bob.status().oneTimePreKeys == .init(pending: 0, published: 3))
        _ = try pair.bob.receive(message, using: SessionCipher())
        #expect(try pair.bob.oneTimePreKey(id: 1) == nil)
        #expect(try pair.bob.oneTimePreKey(id: 2) != nil)
        #expect(try pair.bob.rowCount("one_time_pre_keys") == 2)
        #expect(try pair.bob.status().oneTimePreKeys == .init(pending: 0, published: 2))
    }

    @Test("A batch commits every message that opens; one that fails rolls back alone")
    func batch() throws {
        let pair = try Pair()
        let first = try pair.toBob("b1")
        let second = try pair.toBob("b2")
        let third = try pair.toBob("b3")
        let results = try pair.bob.receive([first, tampered(second), third, first], using: SessionCipher())
        #expect(results.count == 4)
        #expect((try? results[0].get())?.message.payload.body == "b1")
        #expect((try? results[1].get()) == nil)
        #expect((try? results[2].get())?.message.payload.body == "b3")
        #expect((try? results[3].get())?.wasAlreadyStored == true)
        #expect(try pair.bob.messageCount() == 2)
        // The intact second message opens from the key skipped for it.
        #expect(try pair.bob.rowCount("skipped_message_keys") == 1)
        #expect(try pair.bob.receive(second, using: SessionCipher()).message.payload.body == "b2")
        #expect(try pair.bob.rowCount("skipped_message_keys") == 0)
    }

    @Test("A payload or session state moved to another row cannot be read: sealedValueUnreadable, not another's data")
    func movedSealedValues() throws {
        let pair = try Pair()
        let carol = try pair.directory.store("carol.sqlite")
        let carolAddress = try pair.server.upload(carol)
        let first = try pair.toBob("first")
        let second = try pair.toBob("second")
        _ = try pair.bob.receive(first, using: SessionCipher())
        _ = try pair.bob.receive(second, using: SessionCipher())
        let fromCarol = try pair.server.send("hi", from: carol, to: [pair.bobAddress.user]).messages
        _ = try pair.bob.receive(try #require(fromCarol[pair.bobAddress]), using: SessionCipher())

        // Each row gets the sealed value of the next one: three payloads, and the sessions with Alice and Carol.
        try pair.bob.connection.write { db in
            for (table, column, count) in [("messages", "payload", 3), ("sessions", "state", 2)] {
                let rows = try db.query("SELECT id, \(column) AS v FROM \(table) ORDER BY id")
                #expect(rows.count == count)
                for (index, row) in rows.enumerated() {
                    let next = rows[(index + 1) % rows.count]
                    try db.run(
                        "UPDATE \(table) SET \(column) = ? WHERE id = ?",
                        [.blob(try next.blob("v")), try row.value("id")])
                }
            }
        }
        let unreadablePayload = StoreError.sealedValueUnreadable(table: "messages", column: "payload")
        #expect(storeError { try pair.bob.message(id: first.id) } == unreadablePayload)
        #expect(storeError { try pair.bob.receive(second, using: SessionCipher()) } == unreadablePayload)
        let unreadableState = StoreError.sealedValueUnreadable(table: "sessions", column: "state")
        #expect(storeError { try pair.bob.sessionRecord(for: pair.aliceAddress) } == unreadableState)
        #expect(storeError { try pair.bob.sessionRecord(for: carolAddress) } == unreadableState)
    }

    /// `message` with the last byte of its wrap flipped.
    private func tampered(_ message: Message) throws -> Message {
        var copy = message
        var keys = try #require(copy.messageKeys)
        keys[0].encryptedKey[keys[0].encryptedKey.count - 1] ^= 1
        copy.messageKeys = keys
        return copy
    }

    /// Expects `store` to refuse `message` with `error` and to keep every table as it was.
    private func expectRefused(
        _ message: Message, by store: SQLiteStore, as error: RatchetError,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try store.tableRows()
        #expect(throws: error, sourceLocation: sourceLocation) { try store.receive(message, using: SessionCipher()) }
        #expect(try store.tableRows() == before, sourceLocation: sourceLocation)
    }
}
