import UncordSQLite

/// The one error type of ``UncordStore``.
///
/// No case ever carries a bound statement argument, a secret or a stored value: SQLite's own messages name
/// tables, columns and constraints, never the values that broke them. Paths, table and column names are not
/// secret and may appear.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process (or another connection in this one) holds the store's lock, or SQLite stayed busy past
    /// the busy timeout.
    case storeInUse(path: String)
    /// The file is not an SQLite database, or it is truncated or corrupted (`SQLITE_NOTADB`, `SQLITE_CORRUPT`).
    case notADatabase(path: String)
    /// The store was written by a newer version of this library: its schema version is above the highest one
    /// this build knows. Nothing was changed.
    case newerSchema(found: Int, supported: Int)
    /// Any other SQLite failure. `code` is the (extended) result code; `message` comes from SQLite and never
    /// contains bound argument values.
    case sqlite(code: Int32, message: String)
    /// A `UNIQUE`, `CHECK`, `NOT NULL` or foreign-key constraint failed. The message names the constraint, not
    /// the values.
    case constraint(String)
    /// The passphrase does not open the store's key.
    case wrongPassphrase
    /// The store key cannot be used: a raw key of the wrong length, or a passphrase derivation that failed.
    /// The detail never holds key or passphrase bytes.
    case invalidKey(String)
    /// A sealed value could not be opened: it was tampered with, moved to another row, or sealed with another
    /// key.
    case sealedValueUnreadable(table: String, column: String)
    /// The store has no identity yet; initialise it first.
    case notInitialized
    /// The store already has an identity; it cannot be initialised twice.
    case alreadyInitialized
    /// The store belongs to a new device waiting to be linked (LINKED_DEVICES.md A4): it holds no account key yet,
    /// so nothing else can use it until the link is completed (or requested again).
    case waitingForLink(path: String)
    /// A file-system failure: the lock file or database could not be created, read or written, or the disk is
    /// full.
    case io(String)
    /// A result column that the query does not have was asked for by name or index.
    case columnNotFound(String)
    /// A result column holds another type than the one asked for (for example `NULL` read as an integer).
    case typeMismatch(column: String, expected: String, found: String)
    /// The SQLite layer was used in a way it does not allow: a wrong number of arguments, several statements
    /// given to a single-statement call, or migrations that are not in strictly increasing order.
    case misuse(String)
    /// The file is not an uncord-e2ee backup, or is cut inside its header; `reason` says which.
    case backupNotRecognised(path: String, reason: String)
    /// The backup was written in a newer format than this build reads.
    case backupVersionUnsupported(found: Int, supported: Int)
    /// The backup did not authenticate: a wrong backup passphrase, or a file that was truncated or altered.
    /// Nothing was written.
    case backupAuthenticationFailed
    /// A backup export or import would replace an existing file; nothing was written.
    case fileExists(path: String)

    public var description: String {
        switch self {
        case .storeInUse(let path):
            return "another process holds the store at \(path)"
        case .notADatabase(let path):
            return "the file at \(path) is not a database, or it is truncated or corrupted"
        case .newerSchema(let found, let supported):
            return "the store has schema version \(found), newer than the highest supported version \(supported)"
        case .sqlite(let code, let message):
            return "SQLite error \(code): \(message)"
        case .constraint(let message):
            return "constraint failed: \(message)"
        case .wrongPassphrase:
            return "wrong passphrase"
        case .invalidKey(let detail):
            return "invalid store key: \(detail)"
        case .sealedValueUnreadable(let table, let column):
            return "the sealed value in \(table).\(column) could not be opened"
        case .notInitialized:
            return "the store is not initialised"
        case .alreadyInitialized:
            return "the store is already initialised"
        case .waitingForLink(let path):
            return "the store at \(path) waits to be linked to an existing device of your account"
        case .io(let detail):
            return "I/O error: \(detail)"
        case .columnNotFound(let column):
            return "no result column \(column)"
        case .typeMismatch(let column, let expected, let found):
            return "column \(column) holds \(found), expected \(expected)"
        case .misuse(let detail):
            return "SQLite layer misuse: \(detail)"
        case .backupNotRecognised(let path, let reason):
            return "\(path) is not a usable uncord-e2ee backup: \(reason)"
        case .backupVersionUnsupported(let found, let supported):
            return "the backup has format version \(found), newer than the highest supported version \(supported)"
        case .backupAuthenticationFailed:
            return "the backup cannot be opened: wrong backup passphrase, or the file was truncated or altered"
        case .fileExists(let path):
            return "\(path) already exists"
        }
    }
}

extension StoreError {
    /// The store's error for a failure of its SQLite layer: the same case, with a lock held elsewhere as
    /// ``storeInUse(path:)``.
    init(_ error: SQLiteError) {
        switch error {
        case .databaseInUse(let path): self = .storeInUse(path: path)
        case .notADatabase(let path): self = .notADatabase(path: path)
        case .newerSchema(let found, let supported): self = .newerSchema(found: found, supported: supported)
        case .sqlite(let code, let message): self = .sqlite(code: code, message: message)
        case .constraint(let message): self = .constraint(message)
        case .io(let detail): self = .io(detail)
        case .columnNotFound(let column): self = .columnNotFound(column)
        case .typeMismatch(let column, let expected, let found):
            self = .typeMismatch(column: column, expected: expected, found: found)
        case .misuse(let detail): self = .misuse(detail)
        }
    }
}
