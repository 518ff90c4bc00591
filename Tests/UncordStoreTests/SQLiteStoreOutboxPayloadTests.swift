import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Migration 3: the outbox keeps each send's payload, sealed, so a send acknowledged after a restart still reaches
/// the history.
@Suite("SQLite store: outbox payloads")
struct SQLiteStoreOutboxPayloadTests {
    typealias Pair = SQLiteStoreMessageTests.Pair

    /// The column names of `table`.
    func columns(_ table: String, of store: SQLiteStore) throws -> [String] {
        try store.connection.read { db in
            try db.query("PRAGMA table_info(\(table))").map { try $0.text("name") }
        }
    }

    @Test("A fresh store is at the newest schema and its outbox has a payload column")
    func freshStoreHasPayloadColumn() throws {
        let pair = try Pair()
        #expect(StoreSchema.currentVersion >= 3)
        #expect(try pair.alice.status().schemaVersion == StoreSchema.currentVersion)
        #expect(try columns("outbox", of: pair.alice).contains("payload"))
    }

    @Test("send keeps the payload sealed in the outbox and pendingSends returns it")
    func payloadRoundTrips() throws {
        let pair = try Pair()
        let (entry, _) = try pair.server.send("pending words", from: pair.alice, to: [pair.bobAddress.user])
        let payload = pair.server.payload("pending words", from: pair.aliceAddress)
        #expect(entry.payload == payload)
        let pending = try pair.alice.pendingSends()
        #expect(pending.map(\.id) == [entry.id])
        #expect(pending.first?.payload == payload)
        #expect(pending.first?.body == entry.body)
        let sealed = try pair.alice.connection.read { db in
            try db.queryOne("SELECT payload FROM outbox WHERE id = ?", [.integer(entry.id)])?.optionalBlob("payload")
        }
        let bytes = try #require(sealed)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("pending words"))
        // Sealed for its own cell: it opens there only, not for another row or as the request column.
        #expect(throws: Never.self) {
            try pair.alice.sealer.open(bytes, for: .outboxPayload(id: entry.id))
        }
        #expect(throws: StoreError.self) {
            try pair.alice.sealer.open(bytes, for: .outboxPayload(id: entry.id + 1))
        }
        #expect(throws: StoreError.self) {
            try pair.alice.sealer.open(bytes, for: .outboxRequest(id: entry.id))
        }
    }

    @Test("recordSent from a pending entry stores what recordSent with the prepared payload stores")
    func recordSentFromPendingEntry() throws {
        let pair = try Pair()
        let (first, _) = try pair.server.send("one", from: pair.alice, to: [pair.bobAddress.user])
        let (second, _) = try pair.server.send("two", from: pair.alice, to: [pair.bobAddress.user])
        let firstID = UUID()
        let secondID = UUID()
        let direct = try pair.alice.recordSent(
            first, payload: pair.server.payload("one", from: pair.aliceAddress), messageID: firstID)
        let pending = try #require(try pair.alice.pendingSends().first)
        #expect(pending.id == second.id)
        let fromEntry = try #require(try pair.alice.recordSent(pending, messageID: secondID))
        #expect(try pair.alice.pendingSends().isEmpty)
        #expect(
            fromEntry
                == StoredMessage(
                    id: secondID, channel: second.channel, sender: pair.aliceAddress,
                    payload: pair.server.payload("two", from: pair.aliceAddress)))
        #expect(try pair.alice.message(id: secondID) == fromEntry)
        #expect(try pair.alice.message(id: firstID) == direct)
        #expect(direct.sender == fromEntry.sender)
        #expect(direct.channel == fromEntry.channel)
    }

    @Test("A row without a payload is still returned, and acknowledged without touching the history")
    func rowWithoutPayload() throws {
        let pair = try Pair()
        let (entry, _) = try pair.server.send("old style", from: pair.alice, to: [pair.bobAddress.user])
        try pair.alice.connection.write { db in
            try db.run("UPDATE outbox SET payload = NULL WHERE id = ?", [.integer(entry.id)])
        }
        let pending = try pair.alice.pendingSends()
        #expect(pending.map(\.id) == [entry.id])
        #expect(pending.first?.payload == nil)
        #expect(pending.first?.body == entry.body)
        let old = try #require(pending.first)
        #expect(try pair.alice.recordSent(old, messageID: UUID()) == nil)
        #expect(try pair.alice.pendingSends().isEmpty)
        #expect(try pair.alice.messageCount() == 0)

        let (other, _) = try pair.server.send("old style too", from: pair.alice, to: [pair.bobAddress.user])
        try pair.alice.connection.write { db in
            try db.run("UPDATE outbox SET payload = NULL WHERE id = ?", [.integer(other.id)])
        }
        try pair.alice.acknowledge(try #require(try pair.alice.pendingSends().first))
        #expect(try pair.alice.pendingSends().isEmpty)
    }

    @Test("Migration 3 applies to a version 2 store and keeps its queued sends")
    func migratesVersion2Store() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("old.sqlite")
        let key = randomStoreKey()
        let server = FakeServer()
        let entry: OutboxEntry
        do {
            let alice = try SQLiteStore.create(
                at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 2)
            let bob = try directory.store("bob.sqlite", oneTimePreKeys: 2)
            try server.upload(alice)
            let bobAddress = try server.upload(bob)
            entry = try server.send("queued before", from: alice, to: [bobAddress.user]).entry
            // Back to the version 2 schema, as a store written before migration 3 existed.
            try alice.connection.write { db in
                try db.undoMigration7()
                try db.execute("DROP INDEX skipped_message_keys_by_age")
                try db.execute("ALTER TABLE sessions DROP COLUMN archived_at")
                try db.execute("ALTER TABLE local_device DROP COLUMN identity_published")
                try db.execute("ALTER TABLE outbox DROP COLUMN payload")
                try db.execute("DROP TABLE channel_members")
                try db.execute("PRAGMA user_version = 2")
            }
            #expect(try !columns("outbox", of: alice).contains("payload"))
        }
        let reopened = try SQLiteStore.open(at: path, key: .rawKey(key))
        #expect(try reopened.status().schemaVersion == StoreSchema.currentVersion)
        #expect(try columns("outbox", of: reopened).contains("payload"))
        let pending = try reopened.pendingSends()
        #expect(pending.map(\.id) == [entry.id])
        #expect(pending.first?.body == entry.body)
        #expect(pending.first?.payload == nil)
        try reopened.acknowledge(try #require(pending.first))
        #expect(try reopened.pendingSends().isEmpty)
    }
}
