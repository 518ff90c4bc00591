import CSQLite

/// The one place where sqlite3 return codes become success or a thrown ``SQLiteError``.
package enum SQLiteResult {
    /// Returns `code` when it is `SQLITE_OK`, `SQLITE_ROW` or `SQLITE_DONE`, and throws the matching
    /// ``SQLiteError`` otherwise.
    ///
    /// The message comes from `sqlite3_errmsg` (or `sqlite3_errstr` without a connection). SQLite's messages
    /// name constraints and columns, not values; as a second guard, any bound text argument that still shows up
    /// in the message is replaced by `<redacted>`.
    @discardableResult
    package static func check(
        _ code: Int32, database: OpaquePointer?, path: String, arguments: [SQLiteValue] = []
    ) throws(SQLiteError) -> Int32 {
        switch code {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
            return code
        default:
            throw error(code: code, database: database, path: path, arguments: arguments)
        }
    }

    /// The ``SQLiteError`` for a failed `code`.
    package static func error(
        code: Int32, database: OpaquePointer?, path: String, arguments: [SQLiteValue] = []
    ) -> SQLiteError {
        let message = redact(message(code: code, database: database), arguments: arguments)
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .databaseInUse(path: path)
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            return .notADatabase(path: path)
        case SQLITE_CONSTRAINT:
            return .constraint(message)
        case SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN:
            return .io("\(message) (SQLite code \(code))")
        default:
            return .sqlite(code: code, message: message)
        }
    }

    private static func message(code: Int32, database: OpaquePointer?) -> String {
        if let database, let text = sqlite3_errmsg(database) {
            return String(cString: text)
        }
        if let text = sqlite3_errstr(code) {
            return String(cString: text)
        }
        return "unknown error"
    }

    /// Texts shorter than this are not searched for: they would match ordinary words of the message.
    private static let shortestRedactedText = 4

    private static func redact(_ message: String, arguments: [SQLiteValue]) -> String {
        var message = message
        for case .text(let text) in arguments where text.utf8.count >= shortestRedactedText {
            message = message.replacing(text, with: "<redacted>")
        }
        return message
    }
}
