/// Which rule of the gateway frame format a JSON text broke (see ``ProtocolError/invalidFrame(_:)``).
public enum FrameViolation: Sendable, Equatable, CustomStringConvertible {
    /// The JSON value is not an object.
    case notAnObject
    /// The object has no `op` field.
    case missingOpcode
    /// `op` is not a plain integer literal in 0…2^31−1.
    case invalidOpcode
    /// `s` is neither `null` nor a plain integer literal in 0…2^63−1.
    case invalidSequence
    /// `t` is neither `null` nor a string.
    case invalidEventType
    /// One of `op`, `s`, `t` or `d` appears more than once; the value is the field's name.
    case duplicateField(String)

    /// The rule that was broken, in words.
    public var description: String {
        switch self {
        case .notAnObject: "the JSON value is not an object"
        case .missingOpcode: "the field 'op' is missing"
        case .invalidOpcode: "'op' is not an integer in 0…2147483647"
        case .invalidSequence: "'s' is not an integer in 0…9223372036854775807"
        case .invalidEventType: "'t' is not a string"
        case .duplicateField(let name): "the field '\(name)' appears more than once"
        }
    }
}
