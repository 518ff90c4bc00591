import Foundation
import Testing
import UncordTestSupport

@testable import UncordProtocol

/// `JSONText.appendQuoted` copies the runs between escapes whole; its bytes must be those of the plain escaper it
/// replaced, written here byte by byte.
@Suite("JSON string writing")
struct JSONTextTests {
    /// The escaper as it was: quote, backslash, `\n`, `\r`, `\t` and `\u00XX` for other control characters.
    static func reference(_ string: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x00..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    @Test("Quoted strings equal the byte-by-byte escaper's, escapes at the start, the end and in runs")
    func quotedEqualsReference() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("JSONTextTests seed \(seed)")
        var seeded = SplitMix64(seed: seed)
        let alphabet: [Character] = ["a", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1f}", "\u{7f}", "é", "😀"]
        for index in 0..<2_000 {
            let length = Int(seeded.next() % 40)
            let string = String((0..<length).map { _ in alphabet[Int(seeded.next() % UInt64(alphabet.count))] })
            #expect(JSONText.quoted(string) == Self.reference(string), "seed \(seed), string \(index)")
        }
    }

    @Test("A UUID member is written as its lowercase text")
    func uuidMember() {
        let id = UUID()
        var writer = JSONObjectWriter()
        writer.member("id", uuid: id)
        #expect(writer.finish() == Array("{\"id\":\"\(id.uuidString.lowercased())\"}".utf8))
    }
}
