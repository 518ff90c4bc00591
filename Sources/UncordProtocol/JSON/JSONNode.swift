/// One value of a parsed JSON text, with the byte range it occupies in that text.
///
/// Strings (and object keys) are stored decoded; a number keeps only its range, so its exact literal can be read back
/// from the text.
struct JSONNode: Sendable {
    /// What kind of JSON value this is, with its contents.
    enum Kind: Sendable {
        case null
        case bool(Bool)
        case number
        case string(String)
        case array([JSONNode])
        case object([JSONMember])
    }

    /// The value.
    var kind: Kind
    /// Where the value's text starts and ends in the parsed bytes.
    var range: Range<Int>

    /// The JSON type as a reader would name it, for error messages.
    var kindName: String {
        switch kind {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One `"key": value` pair of a JSON object, in the order of the text.
struct JSONMember: Sendable {
    /// The decoded key.
    var key: String
    /// The value.
    var value: JSONNode
}

/// A JSON text rejected by ``JSONParser``: where, and why.
struct JSONSyntaxError: Error, Sendable, Equatable {
    /// The byte offset at which the text stopped being valid JSON.
    var offset: Int
    /// What was wrong there.
    var reason: String
}
