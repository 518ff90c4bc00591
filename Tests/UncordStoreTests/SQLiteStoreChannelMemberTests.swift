import Foundation
import Testing
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Migration 4: the members of each channel, learned from sends, receives and channels this device opened.
@Suite("SQLite store: channel members")
struct SQLiteStoreChannelMemberTests {
    typealias Pair = SQLiteStoreMessageTests.Pair

    @Test("A send records its participants and a receive its author, in their own transactions")
    func sendAndReceiveRecordMembers() throws {
        let pair = try Pair()
        let channel = pair.server.channel
        #expect(try pair.alice.members(of: channel).isEmpty)
        let message = try pair.toBob("hello")
        #expect(Set(try pair.alice.members(of: channel)) == [pair.bobAddress.user])
        #expect(try pair.bob.members(of: channel).isEmpty)
        _ = try pair.bob.receive(message, using: SessionCipher())
        #expect(try pair.bob.members(of: channel) == [pair.aliceAddress.user])

        // A receive that fails records nobody.
        var tampered = try pair.toBob("again")
        tampered.content = String(tampered.content.reversed())
        let other = UUID()
        tampered.channelID = other
        #expect(throws: RatchetError.self) { try pair.bob.receive(tampered, using: SessionCipher()) }
        #expect(try pair.bob.members(of: other).isEmpty)
    }

    @Test("rememberMembers keeps each user once, per channel")
    func rememberIsIdempotent() throws {
        let pair = try Pair()
        let channel = UUID()
        let users = [UUID(), UUID()]
        try pair.alice.rememberMembers(users + users, of: channel)
        try pair.alice.rememberMembers([users[0]], of: channel)
        #expect(Set(try pair.alice.members(of: channel)) == Set(users))
        #expect(try pair.alice.members(of: UUID()).isEmpty)
    }

    @Test("Migration 4 fills the members from the stored messages of a version 3 store")
    func migrationBackfillsFromMessages() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let key = randomStoreKey()
        let path = directory.path("bob-v3.sqlite")
        let server = FakeServer()
        let alice = try directory.store("alice.sqlite", oneTimePreKeys: 2)
        let aliceAddress = try server.upload(alice)
        do {
            let bob = try SQLiteStore.create(
                at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 2)
            let bobAddress = try server.upload(bob)
            let sent = try server.send("before migration 4", from: alice, to: [bobAddress.user])
            _ = try bob.receive(try #require(sent.messages[bobAddress]), using: SessionCipher())
            // Back to the version 3 schema: migrations 6, 5 and 4 undone.
            try bob.connection.write { db in
                try db.undoMigration7()
                try db.execute("DROP INDEX skipped_message_keys_by_age")
                try db.execute("ALTER TABLE sessions DROP COLUMN archived_at")
                try db.execute("ALTER TABLE local_device DROP COLUMN identity_published")
                try db.execute("DROP TABLE channel_members")
                try db.execute("PRAGMA user_version = 3")
            }
        }
        let reopened = try SQLiteStore.open(at: path, key: .rawKey(key))
        #expect(try reopened.status().schemaVersion == StoreSchema.currentVersion)
        #expect(try reopened.members(of: server.channel) == [aliceAddress.user])
    }
}
