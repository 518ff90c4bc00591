import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Backups (`Docs/STORAGE.md`): the whole store sealed under a backup passphrase, restored into a new store under
/// another key; every bad file refused with a typed error and nothing written. Argon2id runs at its minimum limits
/// here (the tool uses moderate ones).
@Suite("SQLite store: backups", .serialized)
struct SQLiteStoreBackupTests {
    static let passphrase = SecureBytes(copying: Array("a backup passphrase".utf8))

    /// Alice after a conversation with Bob, her backup written to `alice.backup`.
    struct Exported {
        let pair: SQLiteStoreMessageTests.Pair
        let file: String
        let bytes: [UInt8]

        init() throws {
            pair = try SQLiteStoreMessageTests.Pair()
            _ = try pair.bob.receive(try pair.toBob("hello bob"), using: SessionCipher())
            _ = try pair.alice.receive(try pair.toAlice("hello alice"), using: SessionCipher())
            file = pair.directory.path("alice.backup")
            var steps: [BackupStep] = []
            try pair.alice.exportBackup(to: file, passphrase: passphrase, parameters: .minimum) { steps.append($0) }
            #expect(steps.count == 3)
            #expect(steps.contains(.derivingBackupKey))
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        }

        /// Imports `bytes` (the backup, or a damaged copy) into `name` under a fresh raw key.
        func restore(
            _ bytes: [UInt8]? = nil, into name: String = "restored.sqlite", passphrase: SecureBytes = passphrase,
            replacing: Bool = false
        ) throws -> StoreStatus {
            let source = pair.directory.path("copy-\(UUID().uuidString).backup")
            try Data(bytes ?? self.bytes).write(to: URL(fileURLWithPath: source))
            return try SQLiteStore.importBackup(
                from: source, passphrase: passphrase, to: pair.directory.path(name),
                key: .rawKey(randomStoreKey()), replacing: replacing)
        }
    }

    @Test("A restored store carries on the conversation: old messages read, the peer's next message decrypts")
    func roundTrip() throws {
        let exported = try Exported()
        let pair = exported.pair
        #expect(Array(exported.bytes.prefix(12)) == Array("UEDM1-BACKUP".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: exported.file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for plaintext in ["hello bob", "hello alice", "UEDM1 store key check"] {
            #expect(!Data(exported.bytes).contains(Data(plaintext.utf8)), "\(plaintext) is in the backup")
        }

        let key = randomStoreKey()
        let path = pair.directory.path("restored.sqlite")
        let status = try SQLiteStore.importBackup(
            from: exported.file, passphrase: Self.passphrase, to: path, key: .rawKey(key))
        let original = try pair.alice.status()
        #expect(status.deviceID == original.deviceID && status.sessions == original.sessions)
        let restored = try SQLiteStore.open(at: path, key: .rawKey(key))
        #expect(try restored.localIdentity().keyPair.secret == pair.alice.localIdentity().keyPair.secret)
        #expect(try restored.messageCount() == 1)
        // Issue 16: a new signed pre-key past every id the device may have used since the backup; the backup's kept.
        let restoredKeys = try restored.signedPreKeyList()
        let originalKeys = try pair.alice.signedPreKeyList()
        #expect(restoredKeys.count == originalKeys.count + 1)
        #expect(Set(originalKeys.map(\.id)).isSubset(of: Set(restoredKeys.map(\.id))))
        #expect(try restored.currentSignedPreKey().id > (originalKeys.map(\.id).max() ?? 0) + (1 << 19))

        // Bob's next message, made after the backup, decrypts in the restored store (the archived session still
        // decrypts).
        let next = try pair.server.send("still there?", from: pair.bob, to: [pair.aliceAddress.user])
        let message = try #require(next.messages[pair.aliceAddress])
        #expect(try restored.receive(message, using: SessionCipher()).message.payload.body == "still there?")
        // The restored store's sessions are archived: it sends on a new one, from Bob's bundle (so a backup older
        // than the device's last send can never use a message key twice), and Bob reads it.
        #expect(try restored.sessionRecord(for: pair.bobAddress)?.isArchived == true)
        let reply = try pair.server.send("yes", from: restored, to: [pair.bobAddress.user])
        let toBob = try #require(reply.messages[pair.bobAddress])
        #expect(try KeyWrap(parsing: try #require(toBob.messageKeys?.first?.encryptedKey)).preKey != nil)
        #expect(try pair.bob.receive(toBob, using: SessionCipher()).message.payload.body == "yes")

        // The restored store is resealed under its own key: the sealed bytes differ, the secret is the same.
        func sealedIdentity(_ store: SQLiteStore) throws -> [UInt8]? {
            try store.connection.read { try $0.queryOne("SELECT identity_private FROM local_device")?.blob(0) }
        }
        #expect(try sealedIdentity(restored) != sealedIdentity(pair.alice))
    }

    @Test("A wrong backup passphrase is refused and nothing is written")
    func wrongPassphrase() throws {
        let exported = try Exported()
        let wrong = SecureBytes(copying: Array("not the passphrase".utf8))
        #expect(storeError { try exported.restore(passphrase: wrong) } == .backupAuthenticationFailed)
        #expect(!FileManager.default.fileExists(atPath: exported.pair.directory.path("restored.sqlite")))
        #expect(try leftovers(in: exported.pair.directory).isEmpty)
    }

    @Test("A truncated backup is refused, wherever it was cut, and nothing is written")
    func truncated() throws {
        let exported = try Exported()
        let count = exported.bytes.count
        for length in [
            0, 5, 12, 13, 40, BackupFile.headerByteCount, BackupFile.headerByteCount + 20, count / 2, count - 1,
        ] {
            let error = storeError { try exported.restore(Array(exported.bytes.prefix(length))) }
            switch error {
            case .backupNotRecognised, .backupAuthenticationFailed: break
            default: Issue.record("cut at \(length) of \(count): \(String(describing: error))")
            }
            #expect(!FileManager.default.fileExists(atPath: exported.pair.directory.path("restored.sqlite")))
        }
        #expect(try leftovers(in: exported.pair.directory).isEmpty)
    }

    @Test("A changed byte anywhere is refused with the error that names it, and nothing is written")
    func tampered() throws {
        let exported = try Exported()
        func flipped(_ offset: Int) -> [UInt8] {
            var bytes = exported.bytes
            bytes[offset] ^= 0x01
            return bytes
        }
        #expect(
            storeError { try exported.restore(flipped(0)) }?.replacingPath(with: "")
                == .backupNotRecognised(path: "", reason: "it does not start like an uncord-e2ee backup"))
        #expect(
            storeError { try exported.restore(flipped(12)) } == .backupVersionUnsupported(found: 0, supported: 1))
        // Passes, salt, nonce, ciphertext and tag: one authentication check covers them all.
        for offset in [25, 30, 45, BackupFile.headerByteCount + 3, exported.bytes.count - 1] {
            #expect(storeError { try exported.restore(flipped(offset)) } == .backupAuthenticationFailed, "\(offset)")
        }
        // Limits outside what a backup may ask for are refused before any key derivation.
        var greedy = exported.bytes
        greedy[18] = 0xFF
        if case .backupNotRecognised(_, let reason) = storeError({ try exported.restore(greedy) }) {
            #expect(reason.contains("out of range"))
        } else {
            Issue.record("a 2^56-byte memory limit was not refused as such")
        }
        #expect(!FileManager.default.fileExists(atPath: exported.pair.directory.path("restored.sqlite")))
        #expect(try leftovers(in: exported.pair.directory).isEmpty)
    }

    @Test("Import and export leave an existing file alone unless told to replace it, and never replace an open store")
    func existingFiles() throws {
        let exported = try Exported()
        let pair = exported.pair
        _ = try exported.restore()
        let first = try Data(contentsOf: URL(fileURLWithPath: pair.directory.path("restored.sqlite")))
        #expect(storeError { try exported.restore() } == .fileExists(path: pair.directory.path("restored.sqlite")))
        #expect(try Data(contentsOf: URL(fileURLWithPath: pair.directory.path("restored.sqlite"))) == first)
        _ = try exported.restore(replacing: true)

        // A store in use is never replaced.
        let alicePath = pair.directory.path("alice.sqlite")
        #expect(
            storeError { try exported.restore(into: "alice.sqlite", replacing: true) } == .storeInUse(path: alicePath))
        #expect(try pair.alice.messageCount() == 1)

        let before = exported.bytes
        #expect(
            storeError { try pair.alice.exportBackup(to: exported.file, passphrase: Self.passphrase) }
                == .fileExists(path: exported.file))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: exported.file))) == before)
        try pair.alice.exportBackup(
            to: exported.file, passphrase: Self.passphrase, parameters: .minimum, replacing: true)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: exported.file))) != before)
        #expect(try leftovers(in: pair.directory).isEmpty)
    }

    @Test("Every column the schema marks sealed is resealed on import")
    func everySealedColumnIsResealed() throws {
        var marked: Set<String> = []
        for migration in StoreSchema.migrations {
            var table = ""
            for line in migration.sql.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "(" }).map(String.init)
                if line.hasPrefix("CREATE TABLE"), words.count > 2 { table = words[2] }
                guard line.contains("-- sealed") else { continue }
                if line.hasPrefix("ALTER TABLE"), words.count > 5 {
                    marked.insert("\(words[2]).\(words[5])")
                } else if let column = words.first {
                    marked.insert("\(table).\(column)")
                }
            }
        }
        #expect(marked.count >= 9)
        #expect(Set(SealedColumn.all.map { "\($0.column.table).\($0.column.name)" }) == marked)
    }

    @Test("Every column the store seals a value in is resealed on import, the key check excepted")
    func everyColumnTheStoreSealsIsResealed() {
        // A cell is made only from a Sealer.Column, so these are all the columns the store can seal a value in.
        let sealable = Set(Sealer.Column.allCases).subtracting([.keyCheck])
        #expect(Set(SealedColumn.all.map(\.column)) == sealable)
        #expect(SealedColumn.all.count == sealable.count)
    }

    @Test("Every sealed value of a used store opens in the cell SealedColumn.all names for it")
    func sealedColumnsNameTheCellsTheStoreWrote() throws {
        let exported = try Exported()
        let store = exported.pair.alice
        var opened: [Sealer.Column: Int] = [:]
        try store.connection.write { db in
            let view = store.view(db)
            for column in SealedColumn.all {
                opened[column.column] = try column.reseal(in: view, from: store.sealer, to: store.sealer)
            }
        }
        for column in [Sealer.Column.identityPrivate, .signedPreKey, .oneTimePreKey, .sessionState, .messagePayload] {
            #expect(opened[column, default: 0] > 0, "\(column)")
        }
    }

    /// Files a failed or finished import or export left beside its destination.
    private func leftovers(in directory: Scratch) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.contains(".partial-") }
    }
}

extension StoreError {
    /// The same error with its path replaced, to compare errors whose path is a scratch file.
    fileprivate func replacingPath(with path: String) -> StoreError {
        if case .backupNotRecognised(_, let reason) = self { return .backupNotRecognised(path: path, reason: reason) }
        return self
    }
}
