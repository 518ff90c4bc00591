/// The one error type of ``UncordSQLite``.
///
/// No case ever carries a bound statement argument: SQLite's own messages name tables, columns and constraints,
/// never the values that broke them, and a bound text that still shows up in one is redacted. Paths, table and column
/// names are not secret and may appear.
public enum SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another connection (in this process or another) holds the database's lock, or SQLite stayed busy past the busy
    /// timeout.
    case databaseInUse(path: String)
    /// The file is not an SQLite database, or it is truncated or corrupted (`SQLITE_NOTADB`, `SQLITE_CORRUPT`).
    case notADatabase(path: String)
    /// The database's schema version is above the highest one the given migrations reach. Nothing was changed.
    case newerSchema(found: Int, supported: Int)
    /// Any other SQLite failure. `code` is the (extended) result code; `message` comes from SQLite and never contains
    /// bound argument values.
    case sqlite(code: Int32, message: String)
    /// A `UNIQUE`, `CHECK`, `NOT NULL` or foreign-key constraint failed. The message names the constraint, not the
    /// values.
    case constraint(String)
    /// A file-system failure: the lock file or database could not be created, read or written, or the disk is full.
    case io(String)
    /// A result column that the query does not have was asked for by name or index.
    case columnNotFound(String)
    /// A result column holds another type than the one asked for (for example `NULL` read as an integer).
    case typeMismatch(column: String, expected: String, found: String)
    /// The connection was used in a way it does not allow: a wrong number of arguments, several statements given to
    /// a single-statement call, or migrations that are not in strictly increasing order.
    case misuse(String)

    public var description: String {
        switch self {
        case .databaseInUse(let path):
            return "another connection holds the database at \(path)"
        case .notADatabase(let path):
            return "the file at \(path) is not a database, or it is truncated or corrupted"
        case .newerSchema(let found, let supported):
            return "the database has schema version \(found), newer than the highest supported version \(supported)"
        case .sqlite(let code, let message):
            return "SQLite error \(code): \(message)"
        case .constraint(let message):
            return "constraint failed: \(message)"
        case .io(let detail):
            return "I/O error: \(detail)"
        case .columnNotFound(let column):
            return "no result column \(column)"
        case .typeMismatch(let column, let expected, let found):
            return "column \(column) holds \(found), expected \(expected)"
        case .misuse(let detail):
            return "SQLite layer misuse: \(detail)"
        }
    }
}
