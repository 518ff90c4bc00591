import UncordSQLite

/// A store's database: `SQLiteDatabase` with every failure of the SQLite layer turned into the
/// store's own error (``StoreError/init(_:)``), so the store's callers only ever see ``StoreError``.
final class StoreConnection: Sendable {
    /// The database path.
    var path: String { database.path }
    private let database: SQLiteDatabase

    /// Opens the store's database at `path`.
    init(path: String, options: SQLiteConnection.Options = .init()) throws(StoreError) {
        do {
            database = try SQLiteDatabase(path: path, options: options)
        } catch {
            throw StoreError(error)
        }
    }

    /// `SQLiteDatabase.read(_:)`.
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try storeErrors { try database.read(body) }
    }

    /// `SQLiteDatabase.alone(_:)`.
    func alone<T>(_ body: () throws -> T) throws -> T {
        try storeErrors { try database.alone(body) }
    }

    /// `SQLiteDatabase.write(_:)`.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try storeErrors { try database.write(body) }
    }

    private func storeErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            throw StoreError(error)
        }
    }
}
