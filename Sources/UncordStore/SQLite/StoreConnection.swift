import Foundation

/// The serialising owner of a store's one ``SQLiteConnection``: every access goes through ``read(_:)`` or
/// ``write(_:)``, one at a time.
///
/// The lock is recursive, so a ``write(_:)`` may call ``read(_:)`` or another ``write(_:)`` on the same thread;
/// a nested write becomes a savepoint of the enclosing transaction.
///
/// ```swift
/// let store = try StoreConnection(path: path)
/// try store.write { db in try db.run("INSERT INTO peers (id, name) VALUES (?, ?)", [.integer(1), .text("al")]) }
/// let count = try store.read { db in try db.queryOne("SELECT count(*) FROM peers")?.integer(0) }
/// ```
// @unchecked Sendable: the non-Sendable connection is touched only while `lock` is held.
public final class StoreConnection: @unchecked Sendable {
    /// The database path.
    public let path: String
    private let connection: SQLiteConnection
    private let lock = NSRecursiveLock()

    /// Opens the store at `path`; see ``SQLiteConnection/init(path:options:)`` for the errors.
    @_spi(DevServer) public init(path: String, options: SQLiteConnection.Options = .init()) throws(StoreError) {
        self.path = path
        connection = try SQLiteConnection(path: path, options: options)
    }

    /// Runs `body` with exclusive access to the connection, outside any transaction. `body` should only read,
    /// and must not let the connection escape.
    @_spi(DevServer) public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }

    /// Runs `body` while this is the only connection open on the file (in any process); throws
    /// ``StoreError/storeInUse(path:)`` at once when another one is open. `body` may call ``read(_:)`` and
    /// ``write(_:)``.
    @_spi(DevServer) public func alone<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try connection.alone(body)
    }

    /// Runs `body` with exclusive access to the connection inside ``SQLiteConnection/transaction(_:)``: its
    /// changes commit when it returns and roll back when it throws. `body` must not let the connection escape.
    @_spi(DevServer) public func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try connection.transaction { try body(connection) }
    }
}
