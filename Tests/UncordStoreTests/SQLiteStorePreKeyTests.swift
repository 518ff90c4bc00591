import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// One-time pre-key ids and states, and the signed pre-key's rotation and grace period.
@Suite("SQLite store: pre-keys")
struct SQLiteStorePreKeyTests {
    @Test("One-time pre-key ids increase and are never reused: not after consumption, deletion or reopening")
    func oneTimePreKeyIDs() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let server = FakeServer()
        let key = randomStoreKey()
        let bobPath = directory.path("bob.sqlite")
        let bob = DeviceAddress(user: UUID(), device: UUID())
        do {
            let store = try SQLiteStore.create(at: bobPath, device: bob, key: .rawKey(key), oneTimePreKeys: 3)
            #expect(try store.pendingOneTimePreKeys().map(\.id) == [1, 2, 3])
            #expect(try store.generateOneTimePreKeys(count: 2).map(\.id) == [4, 5])
            try server.upload(store)
            #expect(try store.pendingOneTimePreKeys().isEmpty)
            #expect(try store.status().oneTimePreKeys == .init(pending: 0, published: 5))

            // Alice's session uses key 1; it is deleted, and the next key made is 6.
            let alice = try directory.store("alice.sqlite")
            try server.upload(alice)
            let sent = try server.send("hi", from: alice, to: [bob.user])
            _ = try store.receive(try #require(sent.messages[bob]), using: SessionCipher())
            #expect(try store.oneTimePreKey(id: 1) == nil)
            #expect(try store.generateOneTimePreKeys(count: 1).map(\.id) == [6])

            // Even with every key gone, ids go on from the highest ever made.
            try store.connection.write { db in try db.run("DELETE FROM one_time_pre_keys") }
            #expect(try store.generateOneTimePreKeys(count: 2).map(\.id) == [7, 8])
            #expect(try store.pendingOneTimePreKeys().map(\.id) == [7, 8])
            #expect(storeError { try store.generateOneTimePreKeys(count: -1) } == .misuse("one-time pre-key count -1"))
        }
        let reopened = try SQLiteStore.open(at: bobPath, key: .rawKey(key))
        #expect(try reopened.generateOneTimePreKeys(count: 1).map(\.id) == [9])
        try reopened.markPublished(oneTimePreKeys: [7])
        #expect(try reopened.pendingOneTimePreKeys().map(\.id) == [8, 9])
        #expect(try reopened.status().oneTimePreKeys == .init(pending: 2, published: 1))
    }

    @Test("Rotation retires the signed pre-key; the old one still works for 30 days, and not after")
    func signedPreKeyRotation() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let server = FakeServer()
        let clock = TestClock()
        let bobStore = try directory.store("bob.sqlite", oneTimePreKeys: 0, clock: clock)
        let bob = try server.upload(bobStore)
        let senders = try (0..<3).map { try directory.store("alice-\($0).sqlite") }
        for sender in senders { try server.upload(sender) }

        // Two first messages made with signed pre-key 1, delivered late.
        let early = try #require(try server.send("early", from: senders[0], to: [bob.user]).messages[bob])
        let late = try #require(try server.send("late", from: senders[1], to: [bob.user]).messages[bob])
        let old = try bobStore.currentSignedPreKey()
        #expect(old.id == 1)

        clock.advance(days: 1)
        let new = try bobStore.rotateSignedPreKey()
        #expect(new.id == 2)
        #expect(new.createdAt == clock.now)
        #expect(try bobStore.currentSignedPreKey() == new)
        let identity = try bobStore.localIdentity().keyPair.publicKey
        #expect(throws: Never.self) {
            try SignedPreKeySignature.verify(
                new.signature, deviceID: bob.device, keyID: new.id, signedPreKey: new.publicKey, identityKey: identity)
        }
        try server.upload(bobStore)

        // 29 days after retirement: the old key still opens the early message; clean-up keeps it.
        clock.advance(days: 29)
        #expect(try bobStore.signedPreKey(id: 1)?.publicKey == old.publicKey)
        #expect(try bobStore.receive(early, using: SessionCipher()).message.payload.body == "early")
        try bobStore.deleteExpiredSignedPreKeys()
        #expect(try bobStore.rowCount("signed_pre_keys") == 2)

        // Past 30 days it is gone: the late message fails and changes nothing.
        clock.advance(days: 1.5)
        #expect(try bobStore.signedPreKey(id: 1) == nil)
        let before = try bobStore.tableRows()
        #expect(throws: RatchetError.unknownSignedPreKey(id: 1)) {
            try bobStore.receive(late, using: SessionCipher())
        }
        #expect(try bobStore.tableRows() == before)
        try bobStore.deleteExpiredSignedPreKeys()
        #expect(try bobStore.rowCount("signed_pre_keys") == 1)

        // The current key never expires, however old; new sessions use it.
        clock.advance(days: 365)
        #expect(try bobStore.signedPreKey(id: 2)?.publicKey == new.publicKey)
        let fresh = try #require(try server.send("fresh", from: senders[2], to: [bob.user]).messages[bob])
        #expect(try bobStore.receive(fresh, using: SessionCipher()).message.payload.body == "fresh")
    }
}
