/// A strict RFC 8259 parser that turns a whole JSON text into a ``JSONNode`` tree.
///
/// The text must be exactly one JSON value, optionally surrounded by whitespace. Strings must be valid UTF-8 with no
/// raw control characters, every escape must be one JSON defines, and a `\u` escape must not leave a surrogate
/// unpaired. Numbers follow the JSON grammar exactly. Containers nest at most ``maximumDepth`` deep. The parser never
/// recurses, so no input can exhaust the stack.
struct JSONParser {
    /// How deep arrays and objects may nest before the text is refused.
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses `bytes` as one JSON text.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// A container whose members are still being read. It is mutated in place on the stack, so appending to it
    /// never copies the elements read so far.
    private struct OpenContainer {
        var isArray: Bool
        var start: Int
        var items: [JSONNode] = []
        var members: [JSONMember] = []
        /// For an object, the key of the value being read.
        var key = ""
    }

    private mutating func parseDocument() throws(JSONSyntaxError) -> JSONNode {
        var open: [OpenContainer] = []
        parseValue: while true {
            skipWhitespace()
            var value: JSONNode
            let start = index
            guard let first = peek() else { throw fail("the text ends where a value should start") }
            switch first {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard open.count < Self.maximumDepth else {
                    throw fail("containers nest deeper than \(Self.maximumDepth) levels")
                }
                let isArray = first == UInt8(ascii: "[")
                index += 1
                skipWhitespace()
                if isArray {
                    if peek() == UInt8(ascii: "]") {
                        index += 1
                        value = JSONNode(kind: .array([]), range: start..<index)
                    } else {
                        open.append(OpenContainer(isArray: true, start: start))
                        continue parseValue
                    }
                } else {
                    if peek() == UInt8(ascii: "}") {
                        index += 1
                        value = JSONNode(kind: .object([]), range: start..<index)
                    } else {
                        let key = try parseKey()
                        open.append(OpenContainer(isArray: false, start: start, key: key))
                        continue parseValue
                    }
                }
            case UInt8(ascii: "\""):
                value = JSONNode(kind: .string(try parseString()), range: start..<index)
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = JSONNode(kind: .bool(true), range: start..<index)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = JSONNode(kind: .bool(false), range: start..<index)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = JSONNode(kind: .null, range: start..<index)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try parseNumber()
                value = JSONNode(kind: .number, range: start..<index)
            default:
                throw fail("unexpected character where a value should start")
            }

            // Attach the finished value to the innermost open container, closing containers as they end.
            while !open.isEmpty {
                skipWhitespace()
                let top = open.count - 1
                if open[top].isArray {
                    open[top].items.append(value)
                    if peek() == UInt8(ascii: ",") {
                        index += 1
                        continue parseValue
                    }
                    guard peek() == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array") }
                    index += 1
                    let array = open.removeLast()
                    value = JSONNode(kind: .array(array.items), range: array.start..<index)
                } else {
                    open[top].members.append(JSONMember(key: open[top].key, value: value))
                    if peek() == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        open[top].key = try parseKey()
                        continue parseValue
                    }
                    guard peek() == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an object") }
                    index += 1
                    let object = open.removeLast()
                    value = JSONNode(kind: .object(object.members), range: object.start..<index)
                }
            }
            skipWhitespace()
            guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
            return value
        }
    }

    // MARK: - Tokens

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func fail(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, reason: reason)
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        {
            index += 1
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            guard peek() == byte else { throw fail("misspelt literal (expected \(literal))") }
            index += 1
        }
    }

    /// Reads an object key and the colon after it.
    private mutating func parseKey() throws(JSONSyntaxError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key in an object") }
        let key = try parseString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after an object key") }
        index += 1
        return key
    }

    private mutating func parseNumber() throws(JSONSyntaxError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw fail("a number needs a digit") }
        index += 1
        if first == UInt8(ascii: "0") {
            if let next = peek(), isDigit(next) { throw fail("a number must not have a leading zero") }
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw fail("a fraction needs a digit") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else { throw fail("an exponent needs a digit") }
            skipDigits()
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    // MARK: - Strings

    /// Reads a string starting at its opening quote and returns its decoded value.
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw fail("a control character must be escaped inside a string")
            case 0x20..<0x80:
                utf8.append(byte)
                index += 1
            default:
                let length = try validUTF8SequenceLength()
                utf8.append(contentsOf: bytes[index..<index + length])
                index += length
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
        index += 1
        guard let byte = peek() else { throw fail("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var value = try parseHexQuad()
            if (0xDC00...0xDFFF).contains(value) {
                throw fail("a low surrogate escape without a high surrogate before it")
            }
            if (0xD800...0xDBFF).contains(value) {
                guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { throw fail("a high surrogate escape without a low surrogate after it") }
                index += 2
                let low = try parseHexQuad()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw fail("a high surrogate escape without a low surrogate after it")
                }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(value) else { throw fail("an escape that is not a Unicode scalar") }
            utf8.append(contentsOf: scalar.utf8)
        default:
            index -= 1
            throw fail("an unknown escape")
        }
    }

    private mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw fail("a \\u escape needs four hex digits") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence (RFC 3629) that starts at `index` with a non-ASCII byte.
    private func validUTF8SequenceLength() throws(JSONSyntaxError) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw fail("invalid UTF-8")
        }
        guard index + length <= bytes.count else { throw fail("invalid UTF-8 (truncated sequence)") }
        guard secondRange.contains(bytes[index + 1]) else { throw fail("invalid UTF-8") }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
            throw fail("invalid UTF-8")
        }
        return length
    }
}
