import Foundation
import Testing
import UncordCrypto
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Creating and opening stores: keys, refusals, and that a refused open writes nothing.
@Suite("SQLite store: opening")
struct SQLiteStoreOpeningTests {
    static let passphrase = SecureBytes(copying: Array("correct horse battery staple".utf8))

    @Test("A store created with a passphrase reopens with it, holding the same device and keys")
    func createThenReopen() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let device = DeviceAddress(user: UUID(), device: UUID())
        let identity: X25519.PrivateKey
        let signed: SignedPreKeyRecord
        let oneTime: [PublishedPreKey]
        do {
            let store = try SQLiteStore.create(
                at: path, device: device, label: "laptop", key: .passphrase(Self.passphrase, parameters: .minimum),
                oneTimePreKeys: 4)
            identity = try store.localIdentity().keyPair
            signed = try store.currentSignedPreKey()
            oneTime = try store.pendingOneTimePreKeys()
            #expect(oneTime.map(\.id) == [1, 2, 3, 4])
        }
        let store = try SQLiteStore.open(at: path, key: .passphrase(Self.passphrase))
        let local = try store.localIdentity()
        #expect(local.address == device)
        #expect(local.keyPair.secret == identity.secret)
        #expect(try store.currentSignedPreKey() == signed)
        #expect(try store.signedPreKey(id: signed.id)?.publicKey == signed.publicKey)
        #expect(try store.pendingOneTimePreKeys() == oneTime)
        for key in oneTime { #expect(try store.oneTimePreKey(id: key.id)?.publicKey == key.publicKey) }
        let status = try store.status()
        #expect(status.userID == device.user)
        #expect(status.deviceID == device.device)
        #expect(status.schemaVersion == StoreSchema.currentVersion)
        #expect(status.oneTimePreKeys == .init(pending: 4, published: 0))
        // Stored times are RFC 3339 with their offset, and read back.
        let createdAt = try Date(status.signedPreKey.createdAt, strategy: .iso8601)
        #expect(abs(createdAt.timeIntervalSince(signed.createdAt)) < 0.001)
        #expect(abs(createdAt.timeIntervalSinceNow) < 60)
    }

    @Test("A wrong passphrase fails with wrongPassphrase and leaves the files' bytes as they were")
    func wrongPassphrase() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        _ = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()),
            key: .passphrase(Self.passphrase, parameters: .minimum), oneTimePreKeys: 2)
        let before = directory.hashes(of: "store.sqlite")
        let wrong = SecureBytes(copying: Array("correct horse battery stapler".utf8))
        #expect(storeError { try SQLiteStore.open(at: path, key: .passphrase(wrong)) } == .wrongPassphrase)
        #expect(directory.hashes(of: "store.sqlite") == before)
        #expect(throws: Never.self) { try SQLiteStore.open(at: path, key: .passphrase(Self.passphrase)) }
    }

    @Test("A wrong passphrase on a store left with a full WAL (a crash) writes nothing either")
    func wrongPassphraseAfterCrash() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let store = try SQLiteStore.create(
            at: directory.path("open.sqlite"), device: DeviceAddress(user: UUID(), device: UUID()),
            key: .passphrase(Self.passphrase, parameters: .minimum), oneTimePreKeys: 2)
        _ = try store.generateOneTimePreKeys(count: 3)
        // A copy of the files of an open store is what a crash leaves: the last commits only in the WAL.
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(
                atPath: directory.path("open.sqlite" + suffix), toPath: directory.path("crashed.sqlite" + suffix))
        }
        let before = directory.hashes(of: "crashed.sqlite")
        #expect(before["crashed.sqlite-wal"] != nil)
        let path = directory.path("crashed.sqlite")
        let wrong = SecureBytes(copying: Array("wrong".utf8))
        #expect(storeError { try SQLiteStore.open(at: path, key: .passphrase(wrong)) } == .wrongPassphrase)
        #expect(directory.hashes(of: "crashed.sqlite") == before)
        // The right passphrase recovers the last commits from the WAL.
        let recovered = try SQLiteStore.open(at: path, key: .passphrase(Self.passphrase))
        #expect(try recovered.pendingOneTimePreKeys().map(\.id) == [1, 2, 3, 4, 5])
    }

    @Test("A wrong raw key fails with wrongPassphrase; a key of the wrong kind or length is refused")
    func wrongRawKey() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        _ = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 1)
        let before = directory.hashes(of: "store.sqlite")
        #expect(storeError { try SQLiteStore.open(at: path, key: .rawKey(randomStoreKey())) } == .wrongPassphrase)
        guard case .invalidKey? = storeError({ try SQLiteStore.open(at: path, key: .passphrase(Self.passphrase)) })
        else {
            Issue.record("a passphrase for a raw-key store should be an invalidKey error")
            return
        }
        guard case .invalidKey? = storeError({ try SQLiteStore.open(at: path, key: .rawKey(key.slice(0..<16))) })
        else {
            Issue.record("a 16-byte raw key should be an invalidKey error")
            return
        }
        #expect(directory.hashes(of: "store.sqlite") == before)
        #expect(try SQLiteStore.open(at: path, key: .rawKey(key)).localIdentity().keyPair.publicKey.bytes.count == 32)
    }

    @Test("Creating over an existing store fails with alreadyInitialized and overwrites nothing")
    func createOverExisting() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        let device = DeviceAddress(user: UUID(), device: UUID())
        let identity = try SQLiteStore.create(at: path, device: device, key: .rawKey(key), oneTimePreKeys: 3)
            .localIdentity().keyPair
        let before = directory.hashes(of: "store.sqlite")
        for attempt in [StoreKeySource.rawKey(key), .rawKey(randomStoreKey()), .passphrase(Self.passphrase)] {
            #expect(
                storeError {
                    try SQLiteStore.create(
                        at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: attempt,
                        oneTimePreKeys: 1)
                } == .alreadyInitialized)
        }
        #expect(directory.hashes(of: "store.sqlite") == before)
        let store = try SQLiteStore.open(at: path, key: .rawKey(key))
        #expect(try store.localIdentity().address == device)
        #expect(try store.localIdentity().keyPair.secret == identity.secret)
        #expect(try store.pendingOneTimePreKeys().count == 3)
    }

    @Test("Opening a file that does not exist fails with notInitialized and creates nothing")
    func openMissing() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("missing.sqlite")
        #expect(storeError { try SQLiteStore.open(at: path, key: .rawKey(randomStoreKey())) } == .notInitialized)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    @Test("Garbage and truncated files fail with notADatabase, on open and on create, and are left as they were")
    func notADatabase() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let key = randomStoreKey()
        do {
            let store = try directory.store("good.sqlite", oneTimePreKeys: 200)
            _ = try store.generateOneTimePreKeys(count: 200)
        }
        let good = try #require(FileManager.default.contents(atPath: directory.path("good.sqlite")))
        #expect(good.count > 8 * 4096)
        let files: [(String, Data)] = [
            ("garbage.sqlite", Data(SystemRandom().bytes(16 * 1024))),
            ("text.sqlite", Data("this is not a database, only some text\n".utf8)),
            ("header-only.sqlite", good.prefix(100)),
            ("half-page.sqlite", good.prefix(2048)),
            ("first-pages.sqlite", good.prefix(3 * 4096)),
            ("zeroed-header.sqlite", Data(count: 100) + good.dropFirst(100)),
        ]
        for (name, bytes) in files {
            let path = directory.path(name)
            #expect(FileManager.default.createFile(atPath: path, contents: bytes))
            let before = directory.hashes(of: name)
            #expect(
                storeError { try SQLiteStore.open(at: path, key: .rawKey(key)) } == .notADatabase(path: path), "\(name)"
            )
            #expect(
                storeError {
                    try SQLiteStore.create(
                        at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key))
                } == .notADatabase(path: path), "\(name)")
            #expect(directory.hashes(of: name) == before, "\(name)")
        }
    }

    @Test("A store from a newer schema version fails with newerSchema and nothing is written")
    func newerSchema() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        _ = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 1)
        let newer = StoreSchema.currentVersion + 1
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA user_version = \(newer)")
        }
        let before = directory.hashes(of: "store.sqlite")
        #expect(
            storeError { try SQLiteStore.open(at: path, key: .rawKey(key)) }
                == .newerSchema(found: newer, supported: StoreSchema.currentVersion))
        #expect(
            storeError { try SQLiteStore.open(at: path, key: .rawKey(randomStoreKey())) }
                == .newerSchema(found: newer, supported: StoreSchema.currentVersion))
        #expect(directory.hashes(of: "store.sqlite") == before)
    }

    @Test("Two openers share a store: each sees the other's commits, and a rotation needs the store to itself")
    func sharedOpens() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        let first = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 1)
        let second = try SQLiteStore.open(at: path, key: .rawKey(key))
        #expect(
            storeError {
                try SQLiteStore.create(at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key))
            } == .alreadyInitialized)
        _ = try first.generateOneTimePreKeys(count: 2)
        #expect(try second.pendingOneTimePreKeys().count == 3)
        #expect(try second.localIdentity().keyPair.publicKey == first.localIdentity().keyPair.publicKey)
        // A rotation would change the key under the other opener's feet: refused while it is open.
        #expect(storeError { try first.rotateIdentity(oneTimePreKeys: 1) } == .storeInUse(path: path))
        #expect(try second.pendingOneTimePreKeys().count == 3)
        #expect(storeError { try SQLiteStore.open(at: path, key: .rawKey(randomStoreKey())) } == .wrongPassphrase)
    }

    @Test("An identity another connection rotated is read again, never used from the cache")
    func rotatedElsewhere() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        do {
            _ = try SQLiteStore.create(
                at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 1)
        }
        let reader = try SQLiteStore.open(at: path, key: .rawKey(key))
        let before = try reader.localIdentity().keyPair.publicKey
        // A second connection commits a rotation while the reader holds a cached copy (the store's own rotation
        // refuses to run beside another opener; this goes around that check, as a store written by some other
        // code would be).
        let rotator = try SQLiteStore.open(at: path, key: .rawKey(key))
        let rotation = try rotator.connection.write { db in try rotator.rotateIdentity(db, oneTimePreKeys: 1) }
        #expect(rotation.previousIdentityKey == before)
        #expect(try reader.localIdentity().keyPair.publicKey == rotation.identityKey)
    }

    @Test("A sealed value copied into another row, or altered, cannot be read: sealedValueUnreadable")
    func sealedValueMoved() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let store = try directory.store("store.sqlite", oneTimePreKeys: 3)
        #expect(try store.oneTimePreKey(id: 1) != nil)
        try store.connection.write { db in
            let rows = try db.query("SELECT key_id, private_key FROM one_time_pre_keys WHERE key_id IN (1, 2)")
            let blobs = try Dictionary(
                uniqueKeysWithValues: rows.map { (try $0.integer("key_id"), try $0.blob("private_key")) })
            try db.run(
                "UPDATE one_time_pre_keys SET private_key = ? WHERE key_id = 1", [.blob(try #require(blobs[2]))])
            try db.run(
                "UPDATE one_time_pre_keys SET private_key = ? WHERE key_id = 2", [.blob(try #require(blobs[1]))])
            // Into another table's column as well: an OPK's sealed key in place of the signed pre-key's.
            try db.run(
                "UPDATE signed_pre_keys SET private_key = ? WHERE key_id = 1", [.blob(try #require(blobs[1]))])
            // And one flipped bit in the identity key.
            let identity = try #require(try db.queryOne("SELECT identity_private FROM local_device")).blob(0)
            var flipped = identity
            flipped[flipped.count - 1] ^= 1
            try db.run("UPDATE local_device SET identity_private = ?", [.blob(flipped)])
        }
        store.forgetCachedIdentity()
        let unreadableOTP = StoreError.sealedValueUnreadable(table: "one_time_pre_keys", column: "private_key")
        #expect(storeError { try store.oneTimePreKey(id: 1) } == unreadableOTP)
        #expect(storeError { try store.oneTimePreKey(id: 2) } == unreadableOTP)
        #expect(try store.oneTimePreKey(id: 3) != nil)
        #expect(
            storeError { try store.signedPreKey(id: 1) }
                == .sealedValueUnreadable(table: "signed_pre_keys", column: "private_key"))
        #expect(
            storeError { try store.localIdentity() }
                == .sealedValueUnreadable(table: "local_device", column: "identity_private"))
    }
}
