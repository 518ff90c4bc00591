/// Small helpers that write JSON text.
enum JSONText {
    /// Appends `string` as a JSON string literal: quotes, backslashes and control characters escaped, everything
    /// else written as UTF-8.
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        // Most strings need no escape at all: those are copied whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: string.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let hexDigits = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
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
