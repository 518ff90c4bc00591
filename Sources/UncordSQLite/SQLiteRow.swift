/// One result row, copied out of SQLite, with typed access to its columns by name or by index.
///
/// The typed accessors throw ``SQLiteError/typeMismatch(column:expected:found:)`` when the column holds another
/// storage class (`NULL` included: use the `optional…` variants for nullable columns), and
/// ``SQLiteError/columnNotFound(_:)`` for an unknown name or an index out of range. Names match
/// case-insensitively, as in SQL; with duplicate names the first column wins.
///
/// ```swift
/// if let row = try connection.queryOne("SELECT id, name FROM peers WHERE id = ?", [.integer(7)]) {
///     let name = try row.text("name")
/// }
/// ```
public struct SQLiteRow: Sendable, CustomStringConvertible {
    /// The result columns' names and their lookup table, shared by every row of one query.
    package let columns: SQLiteColumns
    /// The column values, in column order.
    package let values: [SQLiteValue]

    /// The number of columns.
    public var count: Int { values.count }

    /// The raw value at `index`.
    public func value(_ index: Int) throws(SQLiteError) -> SQLiteValue {
        guard values.indices.contains(index) else { throw .columnNotFound("#\(index)") }
        return values[index]
    }

    /// The raw value of the column called `name`.
    public func value(_ name: String) throws(SQLiteError) -> SQLiteValue {
        guard let index = columns.index(of: name) else { throw .columnNotFound(name) }
        return values[index]
    }

    /// The integer at `index`.
    public func integer(_ index: Int) throws(SQLiteError) -> Int64 {
        try Self.integer(value(index), column: columns.label(index))
    }

    /// The integer in the column called `name`.
    public func integer(_ name: String) throws(SQLiteError) -> Int64 {
        try Self.integer(value(name), column: name)
    }

    /// The integer at `index`, or `nil` for `NULL`.
    public func optionalInteger(_ index: Int) throws(SQLiteError) -> Int64? {
        try Self.nullable(value(index)) { value throws(SQLiteError) in
            try Self.integer(value, column: columns.label(index))
        }
    }

    /// The integer in the column called `name`, or `nil` for `NULL`.
    public func optionalInteger(_ name: String) throws(SQLiteError) -> Int64? {
        try Self.nullable(value(name)) { value throws(SQLiteError) in try Self.integer(value, column: name) }
    }

    /// The float at `index`.
    public func real(_ index: Int) throws(SQLiteError) -> Double {
        try Self.real(value(index), column: columns.label(index))
    }

    /// The float in the column called `name`.
    public func real(_ name: String) throws(SQLiteError) -> Double { try Self.real(value(name), column: name) }

    /// The float at `index`, or `nil` for `NULL`.
    public func optionalReal(_ index: Int) throws(SQLiteError) -> Double? {
        try Self.nullable(value(index)) { value throws(SQLiteError) in
            try Self.real(value, column: columns.label(index))
        }
    }

    /// The float in the column called `name`, or `nil` for `NULL`.
    public func optionalReal(_ name: String) throws(SQLiteError) -> Double? {
        try Self.nullable(value(name)) { value throws(SQLiteError) in try Self.real(value, column: name) }
    }

    /// The text at `index`.
    public func text(_ index: Int) throws(SQLiteError) -> String {
        try Self.text(value(index), column: columns.label(index))
    }

    /// The text in the column called `name`.
    public func text(_ name: String) throws(SQLiteError) -> String {
        try Self.text(value(name), column: name)
    }

    /// The text at `index`, or `nil` for `NULL`.
    public func optionalText(_ index: Int) throws(SQLiteError) -> String? {
        try Self.nullable(value(index)) { value throws(SQLiteError) in
            try Self.text(value, column: columns.label(index))
        }
    }

    /// The text in the column called `name`, or `nil` for `NULL`.
    public func optionalText(_ name: String) throws(SQLiteError) -> String? {
        try Self.nullable(value(name)) { value throws(SQLiteError) in try Self.text(value, column: name) }
    }

    /// The bytes at `index`.
    public func blob(_ index: Int) throws(SQLiteError) -> [UInt8] {
        try Self.blob(value(index), column: columns.label(index))
    }

    /// The bytes in the column called `name`.
    public func blob(_ name: String) throws(SQLiteError) -> [UInt8] {
        try Self.blob(value(name), column: name)
    }

    /// The bytes at `index`, or `nil` for `NULL`.
    public func optionalBlob(_ index: Int) throws(SQLiteError) -> [UInt8]? {
        try Self.nullable(value(index)) { value throws(SQLiteError) in
            try Self.blob(value, column: columns.label(index))
        }
    }

    /// The bytes in the column called `name`, or `nil` for `NULL`.
    public func optionalBlob(_ name: String) throws(SQLiteError) -> [UInt8]? {
        try Self.nullable(value(name)) { value throws(SQLiteError) in try Self.blob(value, column: name) }
    }

    /// Column names and storage classes only; never the values.
    public var description: String {
        let fields = values.indices.map { "\(columns.label($0)): \(values[$0].typeName)" }
        return "SQLiteRow(\(fields.joined(separator: ", ")))"
    }

    private static func nullable<T>(
        _ value: SQLiteValue, _ read: (SQLiteValue) throws(SQLiteError) -> T
    ) throws(SQLiteError) -> T? {
        if case .null = value { return nil }
        return try read(value)
    }

    private static func integer(_ value: SQLiteValue, column: String) throws(SQLiteError) -> Int64 {
        guard case .integer(let integer) = value else { throw mismatch(column, "INTEGER", value) }
        return integer
    }

    private static func real(_ value: SQLiteValue, column: String) throws(SQLiteError) -> Double {
        guard case .real(let real) = value else { throw mismatch(column, "REAL", value) }
        return real
    }

    private static func text(_ value: SQLiteValue, column: String) throws(SQLiteError) -> String {
        guard case .text(let text) = value else { throw mismatch(column, "TEXT", value) }
        return text
    }

    private static func blob(_ value: SQLiteValue, column: String) throws(SQLiteError) -> [UInt8] {
        guard case .blob(let bytes) = value else { throw mismatch(column, "BLOB", value) }
        return bytes
    }

    private static func mismatch(_ column: String, _ expected: String, _ value: SQLiteValue) -> SQLiteError {
        .typeMismatch(column: column, expected: expected, found: value.typeName)
    }
}

/// The result columns of one statement: their names in order and a case-insensitive lookup table.
package struct SQLiteColumns: Sendable {
    /// The column names, in order.
    package let names: [String]
    private let indexByName: [String: Int]

    /// Builds the lookup table; the first of several columns with the same name wins.
    package init(names: [String]) {
        self.names = names
        var table: [String: Int] = [:]
        for (index, name) in names.enumerated() where table[name.lowercased()] == nil {
            table[name.lowercased()] = index
        }
        indexByName = table
    }

    /// The index of the column called `name` (case-insensitive), if any.
    package func index(of name: String) -> Int? {
        // The table's keys are lower case, so a name already in lower case (as this package writes them) is found
        // without lowercasing it first.
        indexByName[name] ?? indexByName[name.lowercased()]
    }

    /// The name of the column at `index`, or `#index` when it has none, for error messages.
    package func label(_ index: Int) -> String {
        names.indices.contains(index) && !names[index].isEmpty ? names[index] : "#\(index)"
    }
}
