import UncordCrypto
public import UncordSQLite

extension SQLiteConnection {
    /// Every row of every table (SQLite's own tables aside), each row as one comparable text and the rows of a table
    /// sorted: equal before and after a step exactly when the step wrote nothing (a rewrite of an unchanged sealed
    /// value still shows, as sealing draws a fresh nonce).
    public func everyRow() throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        let names = try query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        for name in try names.map({ try $0.text("name") }) {
            tables[name] = try query("SELECT * FROM \"\(name)\"").map(\.comparableText).sorted()
        }
        return tables
    }
}

extension SQLiteRow {
    /// The row's values as one text, each tagged with its type (`null`, `i…`, `r…`, `t"…"`, blobs as `b` or `s` and
    /// hex), so two rows are equal exactly when their texts are.
    public var comparableText: String {
        values.map { value in
            switch value {
            case .null: "null"
            case .integer(let number): "i\(number)"
            case .real(let number): "r\(number)"
            case .text(let text): "t\(text.debugDescription)"
            case .blob(let bytes): "b\(Hex.encode(bytes))"
            case .secureBlob(let bytes): "s\(Hex.encode(bytes.exportBytes()))"
            }
        }.joined(separator: "|")
    }
}
