public import Foundation
public import UncordCrypto
import UncordProtocol
public import UncordRatchet
import UncordSQLite

/// The device's store: one SQLite file holding this device's keys, its peers and sessions, decrypted messages and
/// the outbox, every secret column sealed under the store key (`Docs/STORAGE.md`).
///
/// Any number of connections, in one process or several, may have a store open together: every protocol step is one
/// `BEGIN IMMEDIATE` transaction (SQLite orders them, waiting out a busy store), the sessions layer runs against a
/// view of the store inside the transaction and re-reads what it needs there, so a step commits completely or not at
/// all and never acts on another connection's replaced state. The one value kept between transactions, this
/// device's identity, is read again whenever another connection has committed since (`PRAGMA data_version`).
///
/// ```swift
/// let store = try SQLiteStore.create(
///     at: path, device: DeviceAddress(user: me, device: UUID()), label: "laptop",
///     key: .passphrase(passphrase), oneTimePreKeys: 100)
/// let received = try store.receive(message, using: SessionCipher())
/// ```
public final class SQLiteStore: RatchetStore, @unchecked Sendable {
    // @unchecked Sendable: all state is immutable after init; the connection serialises every access itself.

    /// The file the store lives in.
    public var path: String { connection.path }

    let connection: StoreConnection
    let sealer: Sealer
    let random: any RandomSource
    let clock: @Sendable () -> Date
    let localCache = LocalIdentityCache()

    init(
        connection: StoreConnection, sealer: Sealer, random: any RandomSource, clock: @escaping @Sendable () -> Date
    ) {
        self.connection = connection
        self.sealer = sealer
        self.random = random
        self.clock = clock
    }

    /// Forgets the cached identity, for code (tests) that rewrote the `local_device` row underneath the store.
    func forgetCachedIdentity() { localCache.forget() }

    /// The store's notion of now (injectable for tests of grace periods).
    public var now: Date { clock() }

    // MARK: Opening

    /// Opens an existing store.
    /// - Throws: ``StoreError/notInitialized`` when the file holds no device, ``StoreError/wrongPassphrase`` (before
    ///   anything is written), ``StoreError/newerSchema(found:supported:)``, ``StoreError/storeInUse(path:)``,
    ///   ``StoreError/notADatabase(path:)``.
    public static func open(
        at path: String, key source: StoreKeySource, synchronous: Synchronous = .normal,
        random: any RandomSource = SystemRandom(), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> SQLiteStore {
        try open(at: path, key: source, synchronous: synchronous, random: random, clock: clock, waitingForLink: false)
    }

    /// Opens a store; a store still waiting for its link (``requestLink(at:user:label:key:random:bootClock:wallClock:)``)
    /// opens only when `waitingForLink`, and then only that way.
    static func open(
        at path: String, key source: StoreKeySource, synchronous: Synchronous = .normal,
        random: any RandomSource = SystemRandom(), clock: @escaping @Sendable () -> Date = { Date() },
        waitingForLink: Bool
    ) throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notInitialized }
        let connection = try StoreConnection(
            path: path, options: .init(synchronous: synchronous.sqlite, sharing: .shared))
        // The key is checked before any migration writes to an older store, and a refused open does not even
        // checkpoint a WAL left by a crash: the files stay exactly as they were.
        let key = try connection.read { db throws -> StoreKey in
            try db.setCheckpointOnClose(false)
            let version = try db.userVersion
            guard version <= StoreSchema.currentVersion else {
                throw StoreError.newerSchema(found: version, supported: StoreSchema.currentVersion)
            }
            guard version >= 1 else { throw StoreError.notInitialized }
            let key = try Self.unlock(db, source)
            try db.setCheckpointOnClose(true)
            return key
        }
        try connection.read { db in try db.migrate(StoreSchema.migrations) }
        let store = SQLiteStore(
            connection: connection, sealer: Sealer(key: key, random: random), random: random, clock: clock)
        let waiting = try connection.read { db in try db.queryOne("SELECT 1 FROM pending_link") != nil }
        guard waiting == waitingForLink else {
            throw waiting ? StoreError.waitingForLink(path: path) : StoreError.alreadyInitialized
        }
        if !waiting { _ = try store.localIdentity() }
        return store
    }

    /// Creates a store for a new device: its identity key, a signed pre-key and `oneTimePreKeys` one-time pre-keys
    /// (state `pending` until the server has them).
    ///
    /// The identity key is the user's account key (LINKED_DEVICES.md A1): a new one for a user's first device, or,
    /// for a device linked to an existing one, the `accountKey` the link handed over.
    /// - Throws: ``StoreError/alreadyInitialized`` when the file already holds a device; nothing is overwritten.
    public static func create(
        at path: String, device: DeviceAddress, label: String? = nil, key source: StoreKeySource,
        oneTimePreKeys: Int = 100, accountKey: X25519.PrivateKey? = nil, synchronous: Synchronous = .normal,
        random: any RandomSource = SystemRandom(), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> SQLiteStore {
        let connection = try StoreConnection(
            path: path, options: .init(synchronous: synchronous.sqlite, sharing: .shared))
        return try connection.write { db throws -> SQLiteStore in
            guard try db.userVersion == 0, try db.queryOne("SELECT 1 FROM sqlite_master LIMIT 1") == nil else {
                throw StoreError.alreadyInitialized
            }
            try db.migrate(StoreSchema.migrations)
            let key = try Self.writeKeyMetadata(db, source, random: random)
            try setMetadata(db, "created_at", .text(Timestamp(Date(), precision: .milliseconds).text))
            let store = SQLiteStore(
                connection: connection, sealer: Sealer(key: key, random: random), random: random, clock: clock)
            try store.writeLocalDevice(db, device: device, label: label, identity: accountKey)
            _ = try store.addSignedPreKey(db)
            _ = try store.addOneTimePreKeys(db, count: oneTimePreKeys)
            return store
        }
    }

    /// The key that seals this store, for ``StoreKeySource/storeKey(_:)``: an app that opened the store with its
    /// passphrase hands it, through the platform's keychain, to a process that cannot afford Argon2id (a
    /// notification extension). It opens every secret of the store: keep it as carefully as the passphrase.
    public func exportStoreKey() -> SecureBytes { sealer.key.key }

    /// How hard SQLite syncs to disk.
    public enum Synchronous: Sendable {
        /// `synchronous=NORMAL` (the default): durable across process crashes; the last transactions may roll back
        /// on a power loss.
        case normal
        /// `synchronous=FULL`: durable across power loss too, slower.
        case full

        var sqlite: SQLiteConnection.Options.Synchronous { self == .normal ? .normal : .full }
    }

    // MARK: RatchetStore

    /// A transaction view for reads outside a write.
    func view(_ db: SQLiteConnection) -> StoreTransaction {
        StoreTransaction(db: db, sealer: sealer, now: now, localCache: localCache)
    }

    public func localIdentity() throws -> LocalIdentity { try connection.read { try view($0).localIdentity() } }

    public func pinnedIdentity(for address: DeviceAddress) throws -> PinnedIdentity? {
        try connection.read { try view($0).pinnedIdentity(for: address) }
    }

    public func signedPreKey(id: UInt32) throws -> X25519.PrivateKey? {
        try connection.read { try view($0).signedPreKey(id: id) }
    }

    public func oneTimePreKey(id: UInt32) throws -> X25519.PrivateKey? {
        try connection.read { try view($0).oneTimePreKey(id: id) }
    }

    public func sessionRecord(for address: DeviceAddress) throws -> SessionRecord? {
        try connection.read { try view($0).sessionRecord(for: address) }
    }

    public func acceptedSession(baseKey: X25519.PublicKey, from address: DeviceAddress) throws -> Bool {
        try connection.read { try view($0).acceptedSession(baseKey: baseKey, from: address) }
    }

    public func devices(of user: UUID) throws -> [UUID]? { try connection.read { try view($0).devices(of: user) } }

    /// Applies one step's changes in one transaction.
    public func commit(_ changes: StoreChangeSet) throws {
        try connection.write { try view($0).commit(changes) }
    }

    /// Runs `body` inside one write transaction with a view of the store the sessions layer can use; everything
    /// `body` commits through the view, and everything it writes itself, lands together or not at all.
    func transaction<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try connection.write { db in try body(view(db)) }
    }

    // MARK: Keys and metadata

    static let keyCheckText = Array("UEDM1 store key check".utf8)

    /// Writes the key derivation settings and the key check for `source`, replacing any earlier ones.
    static func writeKeyMetadata(
        _ db: SQLiteConnection, _ source: StoreKeySource, random: any RandomSource
    ) throws -> StoreKey {
        try db.run(
            """
            DELETE FROM metadata WHERE key IN ('kdf', 'kdf_salt', 'kdf_iterations', 'kdf_memory_bytes', 'key_check')
            """)
        let key: StoreKey
        switch source {
        case .rawKey(let raw), .storeKey(let raw):
            key = try StoreKey(rawKey: raw)
            try setMetadata(db, "kdf", .text("raw"))
        case .passphrase(let passphrase, let parameters):
            let salt = random.bytes(Argon2id.saltByteCount)
            key = try StoreKey.derive(passphrase: passphrase, salt: salt, parameters: parameters)
            try setMetadata(db, "kdf", .text("argon2id"))
            try setMetadata(db, "kdf_salt", .blob(salt))
            try setMetadata(db, "kdf_iterations", .integer(Int64(parameters.iterations)))
            try setMetadata(db, "kdf_memory_bytes", .integer(Int64(parameters.memoryBytes)))
        }
        let check = try Sealer(key: key, random: random).seal(
            keyCheckText, for: .keyCheck)
        try setMetadata(db, "key_check", .blob(check))
        return key
    }

    private static func unlock(_ db: SQLiteConnection, _ source: StoreKeySource) throws -> StoreKey {
        guard let kdf = try metadata(db, "kdf")?.text(0), let check = try metadata(db, "key_check")?.blob(0) else {
            throw StoreError.notInitialized
        }
        let key: StoreKey
        switch (kdf, source) {
        case ("raw", .rawKey(let raw)), (_, .storeKey(let raw)):
            key = try StoreKey(rawKey: raw)
        case ("argon2id", .passphrase(let passphrase, _)):
            guard let salt = try metadata(db, "kdf_salt")?.blob(0),
                let storedIterations = try metadata(db, "kdf_iterations")?.integer(0),
                let storedMemory = try metadata(db, "kdf_memory_bytes")?.integer(0)
            else { throw StoreError.notInitialized }
            // Values a damaged or hostile file could hold are refused, never converted with a trap.
            guard let iterations = UInt64(exactly: storedIterations), iterations > 0 else {
                throw StoreError.typeMismatch(
                    column: "metadata.kdf_iterations", expected: "a positive integer", found: "\(storedIterations)")
            }
            guard let memory = Int(exactly: storedMemory), memory > 0 else {
                throw StoreError.typeMismatch(
                    column: "metadata.kdf_memory_bytes", expected: "a positive integer", found: "\(storedMemory)")
            }
            key = try StoreKey.derive(
                passphrase: passphrase, salt: salt, parameters: .init(iterations: iterations, memoryBytes: memory))
        case ("raw", .passphrase): throw StoreError.invalidKey("this store is sealed with a raw key, not a passphrase")
        default: throw StoreError.invalidKey("this store is sealed with a passphrase, not a raw key")
        }
        do {
            _ = try Sealer(key: key).open(check, for: .keyCheck)
        } catch {
            throw StoreError.wrongPassphrase
        }
        return key
    }

    static func setMetadata(_ db: SQLiteConnection, _ key: String, _ value: SQLiteValue) throws {
        try db.run("INSERT OR REPLACE INTO metadata (key, value) VALUES (?, ?)", [.text(key), value])
    }

    static func metadata(_ db: SQLiteConnection, _ key: String) throws -> SQLiteRow? {
        try db.queryOne("SELECT value FROM metadata WHERE key = ?", [.text(key)])
    }

    func writeLocalDevice(
        _ db: SQLiteConnection, device: DeviceAddress, label: String?, identity given: X25519.PrivateKey?
    ) throws {
        let identity = given ?? X25519.PrivateKey.generate(using: random)
        let sealed = try sealer.seal(
            identity.secret, for: .identityPrivate(device: device.device))
        try db.run(
            """
            INSERT INTO local_device (id, user_id, device_id, label, identity_public, identity_private, created_at)
            VALUES (1, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(device.user.lowercased), .text(device.device.lowercased), label.map(SQLiteValue.text) ?? .null,
                .blob(identity.publicKey.bytes), .blob(sealed), .text(Timestamp(now, precision: .milliseconds).text),
            ])
    }
}
