/// The one error type of ``UncordProtocol``: why a gateway frame or a REST body could not be read or written.
///
/// Field cases name the field by its path in the JSON, as the wire spells it: `devices[1].identity_key` is the
/// `identity_key` of the second element of `devices`; an empty path is the top-level value. No case ever carries
/// a field's value, so the text is safe to log.
public enum ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not exactly one well-formed JSON value (RFC 8259) with optional surrounding whitespace.
    /// `offset` is the byte at which it stopped being JSON.
    case notJSON(offset: Int, reason: String)
    /// The text is JSON but not a gateway frame; the violation says which rule it broke.
    case invalidFrame(FrameViolation)
    /// A field the type requires is absent or `null`.
    case missingField(path: String)
    /// A field holds the wrong kind of JSON value; `expected` names the kind it must be, such as "a string".
    case wrongType(path: String, expected: String)
    /// A field has the right kind of JSON value but an unacceptable one: bad base64, a wrong byte length, not a UUID,
    /// out of range. `reason` says which, without repeating the value.
    case malformedField(path: String, reason: String)

    /// What went wrong and where, in words; never a field's value.
    public var description: String {
        switch self {
        case .notJSON(let offset, let reason):
            return "not JSON: \(reason) (at byte \(offset))"
        case .invalidFrame(let violation):
            return "not a gateway frame: \(violation)"
        case .missingField(let path):
            return path.isEmpty ? "missing value" : "missing field '\(path)'"
        case .wrongType(let path, let expected):
            return path.isEmpty ? "the value must be \(expected)" : "field '\(path)' must be \(expected)"
        case .malformedField(let path, let reason):
            return path.isEmpty ? "malformed value: \(reason)" : "malformed field '\(path)': \(reason)"
        }
    }
}
