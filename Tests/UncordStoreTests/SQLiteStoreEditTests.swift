import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet

@testable import UncordSQLite
@testable import UncordStore

/// DM_MESSAGE_UPDATE and DM_MESSAGE_DELETE in the store: edit history, idempotent updates, deletion.
@Suite("SQLite store: edits and deletes")
struct SQLiteStoreEditTests {
    typealias Pair = SQLiteStoreMessageTests.Pair

    /// Alice's edit of `original` as Bob fetches it: the same message id, new content and wrap, `edited_at` set.
    func edit(_ original: Message, to body: String, editOf: UUID?, at time: String, pair: Pair) throws -> Message {
        var payload = pair.server.payload(body, from: pair.aliceAddress)
        payload.editOf = editOf
        let entry = try pair.alice.send(
            payload, channel: pair.server.channel, participants: [pair.bobAddress.user], using: SessionCipher())
        var update = try #require(try pair.server.post(entry, from: pair.aliceAddress)[pair.bobAddress])
        update.id = original.id
        update.editedAt = UncordProtocol.Timestamp(rfc3339: time)
        return update
    }

    @Test("An edit keeps the earlier payload as a revision; the same update twice touches nothing")
    func editHistory() throws {
        let pair = try Pair()
        let original = try pair.toBob("first words")
        _ = try pair.bob.receive(original, using: SessionCipher())
        let update = try edit(original, to: "second words", editOf: original.id, at: "2025-01-02T00:00:00Z", pair: pair)
        let applied = try pair.bob.receiveUpdate(update, using: SessionCipher())
        #expect(!applied.wasAlreadyStored)
        #expect(applied.message.payload.body == "second words")
        #expect(applied.message.editedAt == "2025-01-02T00:00:00Z")
        #expect(try pair.bob.revisions(of: original.id).map(\.body) == ["first words"])
        #expect(try pair.bob.message(id: original.id)?.payload.body == "second words")

        let before = try pair.bob.tableRows()
        let again = try pair.bob.receiveUpdate(update, using: SessionCipher())
        #expect(again.wasAlreadyStored)
        #expect(try pair.bob.tableRows() == before)
    }

    @Test("An update whose payload does not name the message is refused and changes nothing")
    func editMustNameTheMessage() throws {
        let pair = try Pair()
        let original = try pair.toBob("original")
        _ = try pair.bob.receive(original, using: SessionCipher())
        let forged = try edit(original, to: "swapped in", editOf: nil, at: "2025-01-03T00:00:00Z", pair: pair)
        let before = try pair.bob.tableRows()
        #expect(throws: RatchetError.invalidPayload(field: "edit_of", reason: "an edit must name the message it edits"))
        {
            try pair.bob.receiveUpdate(forged, using: SessionCipher())
        }
        #expect(try pair.bob.tableRows() == before)
        #expect(try pair.bob.message(id: original.id)?.payload.body == "original")
    }

    @Test("The author's delete erases text and revisions; another's message, or a server's delete, erases nothing")
    func delete() throws {
        let pair = try Pair()
        let original = try pair.toBob("to be deleted")
        _ = try pair.bob.receive(original, using: SessionCipher())
        let update = try edit(original, to: "edited", editOf: original.id, at: "2025-01-02T00:00:00Z", pair: pair)
        _ = try pair.bob.receiveUpdate(update, using: SessionCipher())
        // Bob may not delete Alice's message; the server's DM_MESSAGE_DELETE only marks it, in its channel only.
        #expect(try !pair.bob.markDeleted(messageID: original.id))
        #expect(try !pair.bob.markRemovedByServer(messageID: original.id, channel: UUID()))
        #expect(try pair.bob.markRemovedByServer(messageID: original.id, channel: original.channelID))
        let marked = try #require(try pair.bob.message(id: original.id))
        #expect(marked.isRemovedByServer && !marked.isDeleted && marked.payload.body == "edited")

        // Alice's delete, in-band: erased, revisions gone.
        let deletion = try pair.toBob("", type: MessagePayload.deleteType, editOf: original.id)
        #expect(try pair.bob.receive(deletion, using: SessionCipher()).deleted == original.id)
        let stored = try #require(try pair.bob.message(id: original.id))
        #expect(stored.isDeleted && stored.payload.body.isEmpty)
        #expect(try pair.bob.revisions(of: original.id).isEmpty)
        #expect(try !pair.bob.markDeleted(messageID: UUID()))
        #expect(try pair.bob.receive(original, using: SessionCipher()).wasAlreadyStored)
    }
}
