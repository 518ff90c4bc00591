/// Small helpers that write JSON text.
enum JSONText {
    /// Appends `string` as a JSON string literal: quotes, backslashes and control characters escaped, everything
    /// else written as UTF-8.
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { appendQuoted(utf8: $0, to: &out) }
    }

    /// ``appendQuoted(_:to:)`` on a string's UTF-8 bytes. The runs between escapes (most strings are one run) are
    /// copied whole rather than byte by byte, as a message body is written on every send.
    static func appendQuoted(utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var run = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
            appendEscaped(byte, to: &out)
            run = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        out.append(UInt8(ascii: "\""))
    }

    /// The escape of a quote, a backslash or a control character.
    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            out.append(contentsOf: "u00".utf8)
            out.append(hexDigits.utf8Start[Int(byte >> 4)])
            out.append(hexDigits.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// `string` as a JSON string literal.
    static func quoted(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        appendQuoted(string, to: &out)
        return out
    }

    /// The value of a number literal if it is a plain non-negative integer (digits only: no sign, fraction or
    /// exponent) no larger than `limit`; `nil` otherwise.
    static func plainInteger(_ literal: ArraySlice<UInt8>, limit: UInt64) -> UInt64? {
        guard !literal.isEmpty else { return nil }
        // `-0` is the integer zero (as Go's encoding/json, the server's side, reads it); other signs are refused.
        if literal.elementsEqual("-0".utf8) { return 0 }
        var value: UInt64 = 0
        for byte in literal {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd, sum <= limit else { return nil }
            value = sum
        }
        return value
    }
}
