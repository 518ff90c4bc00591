import CSQLite
import UncordCrypto

/// One prepared `sqlite3_stmt`, finalized on release. Owned by a ``SQLiteConnection``, which resets it after
/// every use.
package final class SQLiteStatement {
    /// The SQL it was prepared from.
    package let sql: String
    private let handle: OpaquePointer
    private let database: OpaquePointer
    private let path: String

    /// Prepares the single statement in `sql`. Throws ``SQLiteError/misuse(_:)`` when `sql` holds no statement
    /// or more than one.
    package init(sql: String, database: OpaquePointer, path: String, persistent: Bool) throws(SQLiteError) {
        var handle: OpaquePointer?
        var remainder = ""
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(database, text, -1, flags, &handle, &tail)
            if code == SQLITE_OK, let tail {
                remainder = String(cString: tail)
            }
            return code
        }
        try SQLiteResult.check(code, database: database, path: path)
        guard let handle else { throw .misuse("the SQL holds no statement") }
        guard remainder.allSatisfy({ $0.isWhitespace || $0 == ";" }) else {
            sqlite3_finalize(handle)
            throw .misuse("run and query take one statement; use execute for several")
        }
        self.sql = sql
        self.handle = handle
        self.database = database
        self.path = path
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `arguments` to parameters 1…n; their number must match the statement's parameters.
    package func bind(_ arguments: [SQLiteValue]) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == arguments.count else {
            throw .misuse("the statement takes \(expected) arguments, \(arguments.count) were given")
        }
        for (offset, argument) in arguments.enumerated() {
            let code = bind(argument, at: Int32(offset + 1))
            try SQLiteResult.check(code, database: database, path: path, arguments: arguments)
        }
    }

    /// Steps once: `true` when a row is ready, `false` when the statement is done.
    package func step(arguments: [SQLiteValue]) throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        return try SQLiteResult.check(code, database: database, path: path, arguments: arguments) == SQLITE_ROW
    }

    /// Resets the statement and clears its bindings so that no argument stays referenced. Any error was already
    /// reported by ``step(arguments:)``.
    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// The result columns' names.
    package func columns() -> SQLiteColumns {
        // The names are read once per preparation: SQLite counts re-preparations (after a schema change), and only
        // a new one can change them.
        let preparation = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let cached = cachedColumns, cached.preparation == preparation { return cached.columns }
        let count = sqlite3_column_count(handle)
        let names = (0..<count).map { index in sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "" }
        let columns = SQLiteColumns(names: names)
        cachedColumns = (columns, preparation)
        return columns
    }

    /// The column names as last read, and the re-preparation count they were read at.
    private var cachedColumns: (columns: SQLiteColumns, preparation: Int32)?

    /// Copies the current row out of SQLite.
    package func row(columns: SQLiteColumns) -> SQLiteRow {
        let count = sqlite3_column_count(handle)
        return SQLiteRow(columns: columns, values: (0..<count).map(value(at:)))
    }

    private func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            // sqlite3_column_text before sqlite3_column_bytes, as SQLite documents.
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .integer(let integer):
            return sqlite3_bind_int64(handle, index, integer)
        case .real(let real):
            return sqlite3_bind_double(handle, index, real)
        case .text(var text):
            return text.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, utf8.count > 0 else {
                    return sqlite3_bind_text64(handle, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { characters in
                    sqlite3_bind_text64(
                        handle, index, characters, UInt64(utf8.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            return bytes.withUnsafeBytes { bind(blob: $0, at: index) }
        case .secureBlob(let secret):
            // SQLITE_TRANSIENT: SQLite copies the bytes before this returns, so nothing in Swift is copied.
            return secret.withUnsafeBytes { bind(blob: $0, at: index) }
        }
    }

    private func bind(blob: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // A nil pointer would bind NULL; an empty blob is bound as a zero-length blob instead.
        guard let base = blob.baseAddress, blob.count > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
        return sqlite3_bind_blob64(handle, index, base, UInt64(blob.count), Self.transient)
    }

    /// `SQLITE_TRANSIENT`, which the C header defines as a cast of -1 and Swift does not import.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
    }
}

@available(*, unavailable, message: "a statement belongs to its connection")
extension SQLiteStatement: Sendable {}
