import Foundation
public import UncordCrypto
import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Writes the whole store to a backup file sealed under `passphrase` (format in `Docs/STORAGE.md`): every
    /// key, session, message and outbox entry, so a store restored from it on another machine carries on the same
    /// conversations. The file is written beside `path` with mode 0600 and moved into place whole.
    ///
    /// ```swift
    /// try store.exportBackup(to: "/media/usb/laptop.uncord-backup", passphrase: backupPassphrase)
    /// ```
    /// - Returns: the backup's size in bytes.
    /// - Throws: ``StoreError/fileExists(path:)`` when `path` holds a file and `replacing` is `false`;
    ///   ``StoreError/invalidKey(_:)`` for an empty passphrase; ``StoreError/io(_:)``. Nothing is left at `path`
    ///   on failure.
    @discardableResult
    public func exportBackup(
        to path: String, passphrase: SecureBytes, parameters: Argon2id.Parameters = .moderate,
        replacing: Bool = false, progress: (BackupStep) -> Void = { _ in }
    ) throws -> Int {
        guard passphrase.count > 0 else { throw StoreError.invalidKey("the backup passphrase is empty") }
        if !replacing, PrivateFile.holdsData(path) { throw StoreError.fileExists(path: path) }
        let image = try connection.read { db in try db.serializedImage() }
        progress(.readStore(bytes: image.count))
        progress(.derivingBackupKey)
        let file = try BackupFile.seal(
            storeKey: sealer.key, image: image, passphrase: passphrase, parameters: parameters, random: random)
        progress(.writing(bytes: file.count))
        let temporary = try PrivateFile.makeTemporary(beside: path, random: random.bytes(8))
        do {
            try PrivateFile.writeAll(file, to: temporary)
            try PrivateFile.move(temporary, to: path, replacing: replacing)
        } catch {
            PrivateFile.remove(temporary)
            throw error
        }
        return file.count
    }

    /// Restores a backup into a new store at `storePath`, sealed under `key` (a new salt; the backup's own store
    /// key is not kept). Everything is checked and resealed in memory first; the store file appears only once it
    /// is complete. The restored device is the same device with its identity, pre-keys, trust, channels and
    /// history; its sessions are archived (`startAfresh`), so its next send to each device starts a new
    /// session, which peers accept as a new session of a known device: a stale backup never reuses a message key.
    ///
    /// ```swift
    /// let status = try SQLiteStore.importBackup(
    ///     from: "/media/usb/laptop.uncord-backup", passphrase: backupPassphrase, to: path,
    ///     key: .passphrase(storePassphrase))
    /// ```
    /// - Returns: the restored store's status.
    /// - Throws: ``StoreError/fileExists(path:)`` when a store is at `storePath` and `replacing` is `false`;
    ///   ``StoreError/backupNotRecognised(path:reason:)``, ``StoreError/backupVersionUnsupported(found:supported:)``
    ///   or ``StoreError/backupAuthenticationFailed`` for a file that is not a readable backup (a wrong passphrase
    ///   included); ``StoreError/newerSchema(found:supported:)`` for a backup of a newer store;
    ///   ``StoreError/storeInUse(path:)`` when `replacing` a store that is open. Nothing is written on failure.
    public static func importBackup(
        from backupPath: String, passphrase: SecureBytes, to storePath: String, key source: StoreKeySource,
        replacing: Bool = false, random: any RandomSource = SystemRandom(),
        progress: (BackupStep) -> Void = { _ in }
    ) throws -> StoreStatus {
        if !replacing, PrivateFile.holdsData(storePath) { throw StoreError.fileExists(path: storePath) }
        let file = try PrivateFile.read(backupPath)
        let header = try BackupFile.header(of: file, path: backupPath)
        progress(.derivingBackupKey)
        let (backupKey, image) = try BackupFile.open(
            file, header: header, passphrase: passphrase, path: backupPath)
        progress(.readStore(bytes: image.count))
        let memory = try StoreConnection(path: ":memory:")
        try memory.read { db in try db.loadImage(image) }
        try memory.read { db in
            let version = try db.userVersion
            guard version <= StoreSchema.currentVersion else {
                throw StoreError.newerSchema(found: version, supported: StoreSchema.currentVersion)
            }
            guard version >= 1, let check = try metadata(db, "key_check")?.blob(0) else {
                throw StoreError.notInitialized
            }
            _ = try Sealer(key: backupKey).open(check, for: .keyCheck)
            try db.migrate(StoreSchema.migrations)
            // The backup's refresh token was most likely spent since: presenting it again would make the server
            // revoke every token of the account. A restored store signs in anew.
            try db.run("DELETE FROM server_credentials")
        }
        progress(.derivingStoreKey)
        let restored = try memory.write { db throws -> SQLiteStore in
            let key = try writeKeyMetadata(db, source, random: random)
            let store = SQLiteStore(
                connection: memory, sealer: Sealer(key: key, random: random), random: random, clock: { Date() })
            let view = store.view(db)
            var count = 0
            for column in SealedColumn.all {
                count += try column.reseal(in: view, from: Sealer(key: backupKey, random: random), to: store.sealer)
            }
            progress(.resealed(values: count))
            try store.startAfresh(db)
            return store
        }
        let status = try restored.status()
        try write(memory, to: storePath, replacing: replacing, random: random)
        return status
    }

    /// What a restore changes so that a backup older than the device's last state can never reuse a key: every
    /// session is archived (the next send to each device starts a new one, so no ratchet key and message number
    /// is used twice), the pre-key id counters jump past any id the device may have used since the backup (the
    /// server refuses a taken id, and would hand out the keys it holds under those ids), and a new signed pre-key
    /// is made, uploaded on the next key sync (the server's may be one the backup never held).
    func startAfresh(_ db: SQLiteConnection) throws {
        _ = try archiveAllSessions(db)
        for counter in ["next_one_time_pre_key_id", "next_signed_pre_key_id"] {
            let next = try Self.metadata(db, counter)?.integer(0) ?? 1
            let jumped = min(next + Self.restoredKeyIDGap, Int64(SignedPreKeySignature.validKeyIDs.upperBound))
            try Self.setMetadata(db, counter, .integer(jumped))
        }
        _ = try addSignedPreKey(db)
    }

    /// How far a restore moves the pre-key id counters on: more ids than a device uses in years.
    static let restoredKeyIDGap: Int64 = 1 << 20

    /// For a new store whose device id the server already lists under another identity key (an earlier install
    /// that kept the id): the server still holds that install's pre-keys under the ids this store would use, and
    /// refuses a taken id, so the pre-key ids move past them (as on a restore, `startAfresh`): a new signed
    /// pre-key, and the one-time pre-keys not uploaded yet made anew under new ids.
    public func movePreKeyIDsPastAnEarlierInstall() throws {
        try connection.write { db in
            try startAfresh(db)
            let pending = Int(
                try db.queryOne("SELECT count(*) AS n FROM one_time_pre_keys WHERE state = 'pending'")?.integer("n")
                    ?? 0)
            try db.run("DELETE FROM one_time_pre_keys WHERE state = 'pending'")
            _ = try addOneTimePreKeys(db, count: pending)
        }
    }

    /// Writes the in-memory database to `storePath`: a private file beside it, filled by `VACUUM INTO` and
    /// synced, then moved into place under the store's lock (a store in use is never replaced), its old
    /// write-ahead log removed first.
    private static func write(
        _ memory: StoreConnection, to storePath: String, replacing: Bool, random: any RandomSource
    ) throws {
        let temporary = try PrivateFile.makeTemporary(beside: storePath, random: random.bytes(8))
        do {
            try memory.read { db in try db.vacuum(into: temporary) }
            try PrivateFile.sync(temporary)
            let lock: FileLock
            do { lock = try FileLock(path: storePath + "-lock", databasePath: storePath) } catch {
                throw StoreError(error)
            }
            defer { withExtendedLifetime(lock) {} }
            if replacing || !PrivateFile.holdsData(storePath) {
                PrivateFile.remove(storePath + "-wal")
                PrivateFile.remove(storePath + "-shm")
            }
            try PrivateFile.move(temporary, to: storePath, replacing: replacing)
        } catch {
            PrivateFile.remove(temporary)
            throw error
        }
    }
}
