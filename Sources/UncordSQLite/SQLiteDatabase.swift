import Foundation

/// The serialising owner of a database's one ``SQLiteConnection``: every access goes through ``read(_:)`` or
/// ``write(_:)``, one at a time.
///
/// The lock is recursive, so a ``write(_:)`` may call ``read(_:)`` or another ``write(_:)`` on the same thread;
/// a nested write becomes a savepoint of the enclosing transaction.
///
/// ```swift
/// let database = try SQLiteDatabase(path: path)
/// try database.write { db in try db.run("INSERT INTO peers (id, name) VALUES (?, ?)", [.integer(1), .text("al")]) }
/// let count = try database.read { db in try db.queryOne("SELECT count(*) FROM peers")?.integer(0) }
/// ```
// @unchecked Sendable: the non-Sendable connection is touched only while `lock` is held.
public final class SQLiteDatabase: @unchecked Sendable {
    /// The database path.
    public let path: String
    private let connection: SQLiteConnection
    private let lock = NSRecursiveLock()

    /// Opens (creating if needed) the database at `path` and takes its lock. Throws
    /// ``SQLiteError/databaseInUse(path:)`` when another connection holds it, ``SQLiteError/notADatabase(path:)`` when
    /// the file is not a database or is corrupted, and ``SQLiteError/io(_:)`` when it cannot be created or opened.
    public init(path: String, options: SQLiteConnection.Options = .init()) throws(SQLiteError) {
        self.path = path
        connection = try SQLiteConnection(path: path, options: options)
    }

    /// Runs `body` with exclusive access to the connection, outside any transaction. `body` should only read,
    /// and must not let the connection escape.
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }

    /// Runs `body` while this is the only connection open on the file (in any process); throws
    /// ``SQLiteError/databaseInUse(path:)`` at once when another one is open. `body` may call ``read(_:)`` and
    /// ``write(_:)``.
    public func alone<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try connection.alone(body)
    }

    /// Runs `body` with exclusive access to the connection inside ``SQLiteConnection/transaction(_:)``: its
    /// changes commit when it returns and roll back when it throws. `body` must not let the connection escape.
    public func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try connection.transaction { try body(connection) }
    }
}
