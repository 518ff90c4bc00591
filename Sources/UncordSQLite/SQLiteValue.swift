public import UncordCrypto

/// A value bound to a statement parameter or read from a result column.
///
/// ``secureBlob(_:)`` binds straight from the `SecureBytes` buffer (SQLite copies it), so no un-wiped copy is
/// made on the Swift side. Values read back never use it: result blobs come out as ``blob(_:)``.
///
/// `description` names the type and size only, never the contents.
///
/// ```swift
/// try connection.run("INSERT INTO keys (id, secret) VALUES (?, ?)", [.integer(1), .secureBlob(key)])
/// ```
public enum SQLiteValue: Sendable, Equatable, CustomStringConvertible {
    /// SQL `NULL`.
    case null
    /// A 64-bit signed integer.
    case integer(Int64)
    /// A double-precision float.
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Bytes that are not secret (ciphertext, public keys, identifiers).
    case blob([UInt8])
    /// Secret bytes, bound without an intermediate copy in Swift. Bind only; never produced by a read.
    case secureBlob(SecureBytes)

    /// The SQLite name of the value's storage class, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "NULL"
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text: return "TEXT"
        case .blob, .secureBlob: return "BLOB"
        }
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text(let string): return "TEXT(\(string.utf8.count) bytes)"
        case .blob(let bytes): return "BLOB(\(bytes.count) bytes)"
        case .secureBlob(let bytes): return "BLOB(\(bytes.count) bytes, secure)"
        }
    }
}

extension SQLiteValue {
    /// An integer value from a Swift `Int`.
    public static func integer(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }

    /// `.null` for `nil`, otherwise the wrapped value.
    public static func optional(_ value: SQLiteValue?) -> SQLiteValue { value ?? .null }
}
