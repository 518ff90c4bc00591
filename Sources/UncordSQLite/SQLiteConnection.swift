import CSQLite

/// One SQLite connection: the only way this package talks to SQLite.
///
/// A connection is not `Sendable`. Reach it only through its serialising owner, ``SQLiteDatabase``. Opening it
/// takes a lock on `<path>-lock`: shared (``Options/Sharing/shared``, a device store: any number of connections in
/// any processes, ordered by SQLite's own locks) or exclusive (the default: a second opener, in this process or
/// another, gets ``SQLiteError/databaseInUse(path:)`` at once). `:memory:` databases take no lock.
///
/// The connection uses write-ahead logging, enforces foreign keys and caches its prepared statements by SQL
/// text. Bind values as arguments rather than interpolating them into SQL: the cache stays small, and values
/// never appear in errors.
///
/// ```swift
/// let connection = try SQLiteConnection(path: "/path/to/store.sqlite", options: .init())
/// try connection.run("INSERT INTO peers (id, name) VALUES (?, ?)", [.integer(1), .text("alice")])
/// let names = try connection.query("SELECT name FROM peers").map { try $0.text("name") }
/// ```
public final class SQLiteConnection {
    /// How a connection is opened.
    public struct Options: Sendable, Equatable {
        /// How hard SQLite syncs to disk on commit.
        public enum Synchronous: Sendable, Equatable {
            /// `PRAGMA synchronous=NORMAL`: in WAL mode, durable except for the last commits on power loss; never
            /// corrupt.
            case normal
            /// `PRAGMA synchronous=FULL`: every commit is synced to disk.
            case full
        }

        /// The sync level; `.normal` by default.
        var synchronous: Synchronous
        /// How long a statement waits for a lock held by another connection before failing, in milliseconds.
        var busyTimeoutMilliseconds: Int32
        /// `PRAGMA secure_delete=ON`: deleted content (spent message keys, for instance) is overwritten with
        /// zeros rather than left in free pages. On by default.
        var secureDelete: Bool
        /// Whether other connections may use the database at the same time (SQLite's locks then order the
        /// transactions), or a second opener gets ``SQLiteError/databaseInUse(path:)``. Exclusive by default.
        var sharing: Sharing

        /// How a connection shares its database file.
        public enum Sharing: Sendable, Equatable {
            /// Any number of connections, in any processes, together.
            case shared
            /// One connection at a time.
            case exclusive
        }

        /// Options with the given values; the defaults suit a store.
        public init(
            synchronous: Synchronous = .normal, busyTimeoutMilliseconds: Int32 = 5000, secureDelete: Bool = true,
            sharing: Sharing = .exclusive
        ) {
            self.synchronous = synchronous
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.secureDelete = secureDelete
            self.sharing = sharing
        }
    }

    /// The database path, as given.
    public let path: String
    /// The options the connection was opened with.
    public let options: Options
    /// The `sqlite3` handle. Only the files in `SQLite/` pass it to the C API.
    package let handle: OpaquePointer
    /// The advisory lock on `<path>-lock`; `nil` for in-memory databases. Released after the handle is closed.
    private let lock: FileLock?
    /// Prepared statements by SQL text.
    private var statements: [String: SQLiteStatement] = [:]
    /// ``dataVersion`` as read in the open write transaction (cleared when one begins).
    package var transactionDataVersion: Int64?
    /// How many statements were prepared for the cache; tests use it to see that statements are reused.
    private(set) var statementsPrepared = 0

    /// The most statements kept prepared; past it the cache is emptied and refilled. Statement SQL is static
    /// text in this package, so the limit is only reached when SQL is built from values by mistake.
    package static let statementCacheLimit = 256

    /// Opens (creating if needed) the database at `path`, takes its lock and configures it.
    ///
    /// Throws ``SQLiteError/databaseInUse(path:)`` when another connection holds the store,
    /// ``SQLiteError/notADatabase(path:)`` when the file is not a database or is corrupted, and
    /// ``SQLiteError/io(_:)`` when the file cannot be created or opened.
    package init(path: String, options: Options = Options()) throws(SQLiteError) {
        let isFile = !Self.isInMemory(path)
        let lock =
            isFile
            ? try FileLock(
                path: path + "-lock", databasePath: path, mode: options.sharing == .shared ? .shared : .exclusive)
            : nil
        if isFile {
            try FileLock.createPrivateFile(at: path)
        }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard let handle else {
            throw SQLiteResult.error(code: code, database: nil, path: path)
        }
        guard code == SQLITE_OK else {
            let error = SQLiteResult.error(code: code, database: handle, path: path)
            sqlite3_close_v2(handle)
            throw error
        }
        self.path = path
        self.options = options
        self.handle = handle
        self.lock = lock
        // From here a failure releases the instance, and deinit closes the handle and the lock.
        try configure(isFile: isFile)
    }

    deinit {
        statements.removeAll()  // finalizes every cached statement
        sqlite3_close_v2(handle)
        // `lock` is a stored property, released after this body: the lock outlives the handle.
    }

    /// Makes this connection the only one on its file for the duration of `body`, or throws
    /// ``SQLiteError/databaseInUse(path:)`` at once when another connection has it open.
    public func alone<T>(_ body: () throws -> T) throws -> T {
        guard let lock else { return try body() }
        try lock.change(to: .exclusive)
        defer { try? lock.change(to: options.sharing == .shared ? .shared : .exclusive) }
        return try body()
    }

    /// `PRAGMA data_version`: a number that changes whenever another connection commits to the database (never for
    /// this connection's own commits), to tell when something cached from it may be stale. Read once per write
    /// transaction: while this connection holds the write lock, no other can commit.
    public var dataVersion: Int64 {
        get throws(SQLiteError) {
            if isInTransaction, let transactionDataVersion { return transactionDataVersion }
            guard let row = try queryOne("PRAGMA data_version") else {
                throw .sqlite(code: SQLITE_ERROR, message: "PRAGMA data_version returned no row")
            }
            let version = try row.integer(0)
            if isInTransaction { transactionDataVersion = version }
            return version
        }
    }

    /// Whether closing the connection checkpoints the WAL into the database file (SQLite's default). A store
    /// turns it off while it checks the key, so a refused open leaves every file exactly as it found it.
    public func setCheckpointOnClose(_ enabled: Bool) throws(SQLiteError) {
        try check(uncord_sqlite3_checkpoint_on_close(handle, enabled ? 1 : 0))
    }

    /// Runs one or more statements that take no arguments, such as a migration's SQL.
    public func execute(_ sql: String) throws(SQLiteError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil))
    }

    /// Runs one statement with `arguments` bound to its `?` parameters, using a cached prepared statement.
    /// Any rows it returns are skipped.
    public func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        while try statement.step(arguments: arguments) {}
    }

    /// Runs one query with `arguments` bound and returns every row, using a cached prepared statement.
    public func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) -> [SQLiteRow] {
        try rows(of: cachedStatement(sql), arguments: arguments, limit: nil)
    }

    /// Runs one query with `arguments` bound and returns its first row, or `nil` when it returns none.
    public func queryOne(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError)
        -> SQLiteRow?
    {
        try rows(of: cachedStatement(sql), arguments: arguments, limit: 1).first
    }

    /// The rows changed by the most recent `INSERT`, `UPDATE` or `DELETE`.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The rowid of the most recent successful `INSERT`.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// `PRAGMA user_version`: the schema version the migrations have reached.
    public var userVersion: Int {
        get throws(SQLiteError) {
            guard let row = try queryOne("PRAGMA user_version") else {
                throw .sqlite(code: SQLITE_ERROR, message: "PRAGMA user_version returned no row")
            }
            return Int(try row.integer(0))
        }
    }

    /// The number of statements now in the cache.
    package var cachedStatementCount: Int { statements.count }

    /// Turns a return code into success or a thrown ``SQLiteError``; see
    /// ``SQLiteResult/check(_:database:path:arguments:)``.
    @discardableResult
    package func check(_ code: Int32, arguments: [SQLiteValue] = []) throws(SQLiteError) -> Int32 {
        try SQLiteResult.check(code, database: handle, path: path, arguments: arguments)
    }

    private func configure(isFile: Bool) throws(SQLiteError) {
        try check(sqlite3_extended_result_codes(handle, 1))
        try check(sqlite3_busy_timeout(handle, options.busyTimeoutMilliseconds))
        // Reads the header and the schema: a garbage, truncated or corrupted file fails here, before any write.
        _ = try rows(of: uncachedStatement("SELECT count(*) FROM sqlite_master"), arguments: [], limit: 1)
        let journal = try rows(of: uncachedStatement("PRAGMA journal_mode=WAL"), arguments: [], limit: 1)
        let mode = try journal.first?.optionalText(0)?.lowercased()
        if isFile && mode != "wal" {
            throw .io("could not turn on write-ahead logging for \(path) (journal mode \(mode ?? "unknown"))")
        }
        try execute("PRAGMA foreign_keys=ON")
        switch options.synchronous {
        case .normal: try execute("PRAGMA synchronous=NORMAL")
        case .full: try execute("PRAGMA synchronous=FULL")
        }
        try execute(options.secureDelete ? "PRAGMA secure_delete=ON" : "PRAGMA secure_delete=OFF")
        // A 16 MiB page cache (the default is 2 MiB), filled only as pages are read; checkpoints every 8,000 WAL
        // pages (the default is 1,000), so a page rewritten by many commits is copied back once (STORAGE.md).
        try execute("PRAGMA cache_size=-16384")
        try execute("PRAGMA wal_autocheckpoint=8000")
    }

    private func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statements[sql] {
            return statement
        }
        let statement = try SQLiteStatement(sql: sql, database: handle, path: path, persistent: true)
        if statements.count >= Self.statementCacheLimit {
            statements.removeAll()
        }
        statements[sql] = statement
        statementsPrepared += 1
        return statement
    }

    private func uncachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(sql: sql, database: handle, path: path, persistent: false)
    }

    private func rows(
        of statement: SQLiteStatement, arguments: [SQLiteValue], limit: Int?
    ) throws(SQLiteError) -> [SQLiteRow] {
        defer { statement.reset() }
        try statement.bind(arguments)
        let columns = statement.columns()
        var rows: [SQLiteRow] = []
        while limit.map({ rows.count < $0 }) ?? true, try statement.step(arguments: arguments) {
            rows.append(statement.row(columns: columns))
        }
        return rows
    }

    private static func isInMemory(_ path: String) -> Bool { path == ":memory:" || path.isEmpty }
}

@available(*, unavailable, message: "reach a connection only through its serialising owner, SQLiteDatabase")
extension SQLiteConnection: Sendable {}
