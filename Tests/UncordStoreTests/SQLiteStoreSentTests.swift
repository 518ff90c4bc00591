import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet

@testable import UncordSQLite
@testable import UncordStore

/// This device's own sends kept in the history once the server acknowledged them.
@Suite("SQLite store: sent messages")
struct SQLiteStoreSentTests {
    typealias Pair = SQLiteStoreMessageTests.Pair

    @Test("recordSent deletes the outbox row and stores the payload under the server's id, sealed")
    func recordSent() throws {
        let pair = try Pair()
        let (entry, _) = try pair.server.send("mine", from: pair.alice, to: [pair.bobAddress.user])
        let payload = pair.server.payload("mine", from: pair.aliceAddress)
        let id = UUID()
        let stored = try pair.alice.recordSent(entry, payload: payload, messageID: id)

        #expect(try pair.alice.pendingSends().isEmpty)
        #expect(stored == StoredMessage(id: id, channel: entry.channel, sender: pair.aliceAddress, payload: payload))
        #expect(try pair.alice.message(id: id) == stored)
        #expect(try pair.alice.messageCount() == 1)
        // The row holds sealed bytes only: the body is not in the table in the clear.
        let sealed = try pair.alice.connection.read { db in
            try db.queryOne("SELECT payload FROM messages WHERE id = ?", [.text(id.lowercased)])?.blob("payload")
        }
        let bytes = try #require(sealed)
        #expect(bytes != (try payload.encoded()))
        #expect(!String(decoding: bytes, as: UTF8.self).contains("mine"))

        // Recording the same acknowledgement again changes nothing.
        #expect(try pair.alice.recordSent(entry, payload: payload, messageID: id) == stored)
        #expect(try pair.alice.messageCount() == 1)
    }

    @Test("recordSent of an edit replaces the stored payload of the message it edits")
    func recordSentEdit() throws {
        let pair = try Pair()
        let (first, _) = try pair.server.send("first", from: pair.alice, to: [pair.bobAddress.user])
        let id = UUID()
        try pair.alice.recordSent(first, payload: pair.server.payload("first", from: pair.aliceAddress), messageID: id)
        let (second, _) = try pair.server.send("second", from: pair.alice, to: [pair.bobAddress.user])
        var edit = pair.server.payload("second", from: pair.aliceAddress)
        edit.editOf = id
        let stored = try pair.alice.recordSent(second, payload: edit, messageID: id)
        #expect(stored.payload.body == "second")
        #expect(stored.editedAt != nil)
        #expect(try pair.alice.message(id: id)?.payload.body == "second")
        #expect(try pair.alice.rowCount("message_edits") == 1)
        #expect(try pair.alice.pendingSends().isEmpty)
        // A payload that is not an edit never overwrites a stored message.
        let (third, _) = try pair.server.send("third", from: pair.alice, to: [pair.bobAddress.user])
        let kept = try pair.alice.recordSent(
            third, payload: pair.server.payload("third", from: pair.aliceAddress), messageID: id)
        #expect(kept.payload.body == "second")
        #expect(try pair.alice.pendingSends().isEmpty)
    }

    @Test("a failing recordSent leaves the outbox row in place")
    func recordSentIsAtomic() throws {
        let pair = try Pair()
        let (entry, _) = try pair.server.send("mine", from: pair.alice, to: [pair.bobAddress.user])
        try pair.alice.connection.write { db in try db.run("DROP TABLE messages") }
        #expect(throws: (any Error).self) {
            try pair.alice.recordSent(
                entry, payload: pair.server.payload("mine", from: pair.aliceAddress), messageID: UUID())
        }
        #expect(try pair.alice.pendingSends().map(\.id) == [entry.id])
    }
}
