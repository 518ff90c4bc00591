public import Foundation
import UncordCrypto

/// One case of a vector file, with typed accessors that fail the case (never trap) on a missing or
/// malformed field.
public struct VectorCase: Sendable {
    /// The case's fields as read.
    public let fields: [String: JSONValue]

    /// The case id as written (a number or a string), for failure lines.
    public var id: String {
        switch fields["id"] {
        case .integer(let value): String(value)
        case .string(let value): value
        default: "?"
        }
    }

    /// `true` for `"result": "valid"` (the default when absent), `false` for `"invalid"`.
    public func expectsValid() throws(VectorFailure) -> Bool {
        switch fields["result"] {
        case nil, .string("valid"): return true
        case .string("invalid"): return false
        default: throw VectorFailure("result must be \"valid\" or \"invalid\"")
        }
    }

    /// `true` when the field is present and not null.
    public func has(_ key: String) -> Bool {
        switch fields[key] {
        case nil, .null: false
        default: true
        }
    }

    /// A required string field.
    public func string(_ key: String) throws(VectorFailure) -> String {
        guard case .string(let value) = fields[key] else { throw VectorFailure("field \(key) must be a string") }
        return value
    }

    /// A required hex byte string.
    public func hex(_ key: String) throws(VectorFailure) -> [UInt8] {
        let text = try string(key)
        do { return try Hex.decode(text) } catch { throw VectorFailure("field \(key): \(error)") }
    }

    /// A hex byte string that may be null or absent.
    public func optionalHex(_ key: String) throws(VectorFailure) -> [UInt8]? {
        has(key) ? try hex(key) : nil
    }

    /// A required integer.
    public func integer(_ key: String) throws(VectorFailure) -> Int64 {
        guard case .integer(let value) = fields[key] else { throw VectorFailure("field \(key) must be an integer") }
        return value
    }

    /// An integer that may be null or absent.
    public func optionalInteger(_ key: String) throws(VectorFailure) -> Int64? {
        has(key) ? try integer(key) : nil
    }

    /// A string that may be null or absent.
    public func optionalString(_ key: String) throws(VectorFailure) -> String? {
        has(key) ? try string(key) : nil
    }

    /// A required UUID in its canonical string form.
    public func uuid(_ key: String) throws(VectorFailure) -> UUID {
        guard let value = UUID(uuidString: try string(key)) else { throw VectorFailure("field \(key) is not a UUID") }
        return value
    }

    /// A required list of hex byte strings.
    public func hexList(_ key: String) throws(VectorFailure) -> [[UInt8]] {
        guard case .array(let items) = fields[key] else { throw VectorFailure("field \(key) must be a list") }
        var out: [[UInt8]] = []
        for item in items {
            guard case .string(let text) = item, let bytes = try? Hex.decode(text) else {
                throw VectorFailure("field \(key) must hold hex strings")
            }
            out.append(bytes)
        }
        return out
    }

    /// Compares an expected field with a computed value.
    public func expect(_ key: String, equals actual: [UInt8]) throws(VectorFailure) {
        let expected = try hex(key)
        guard expected == actual else {
            throw VectorFailure("\(key) mismatch: expected \(Hex.encode(expected)), got \(Hex.encode(actual))")
        }
    }
}

/// Why a case failed: the line the runner prints after the file name and case id.
public struct VectorFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, in plain words.
    public let reason: String

    /// Makes a failure with a reason.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
