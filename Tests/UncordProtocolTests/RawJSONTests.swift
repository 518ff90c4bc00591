import Foundation
import Testing
import UncordProtocol

@Suite("Raw JSON and timestamps")
struct RawJSONTests {
    @Test(
        "valid JSON texts are accepted unchanged",
        arguments: [
            "0", "-0", "-12.5e+3", "1E-7", "true", "false", "null", "\"\"", " [ ] ", "{}",
            "\t\r\n{\"a\":[1,{\"b\":null}]}\n",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"", "[\"é😀\"]", "123456789012345678901234567890",
        ])
    func valid(text: String) throws {
        let raw = try RawJSON(validating: text)
        #expect(raw.bytes == Array(text.utf8))
        #expect(raw.text == text)
    }

    @Test(
        "invalid JSON texts are refused",
        arguments: [
            "", "  ", "01", "1.", ".1", "+1", "1e", "1e+", "-", "--1", "0x10", "Infinity", "NaN", "tru", "nul", "True",
            "[", "]", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{1:2}", "{\"a\":1,}", "\"abc", "\"\\u12\"",
            "\"\\u12G4\"", "\"\\a\"", "\"tab\there\"", "1 2", "[1] [2]", "\"\\uD83D\"", "\"\\uDE00\\uD83D\"",
            "\"\\uD83D\\u0041\"", "/* c */ 1",
        ])
    func invalid(text: String) {
        #expect(isNotJSON(protocolError { try RawJSON(validating: text) }))
    }

    @Test("a NUL byte inside a string must be escaped")
    func rawNUL() {
        #expect(isNotJSON(protocolError { try RawJSON(validating: [0x22, 0x00, 0x22]) }))
        #expect(protocolError { try RawJSON(validating: "\"\\u0000\"") } == nil)
    }

    @Test("raw JSON fields decode and encode byte for byte")
    func nestedRaw() throws {
        struct Wrapper: Codable, Equatable {
            var inner: RawJSON
            var name: String
        }
        let text = #"{"inner": { "z" : [1.50, "\u0041"] } ,"name":"n"}"#
        let wrapper = try WireJSON.decode(Wrapper.self, from: text)
        #expect(wrapper.inner.text == #"{ "z" : [1.50, "\u0041"] }"#)
        #expect(Fixtures.text(try WireJSON.encode(wrapper)) == #"{"inner":{ "z" : [1.50, "\u0041"] },"name":"n"}"#)
    }

    @Test("raw JSON refuses coders other than WireJSON")
    func foreignCoders() throws {
        let raw = try RawJSON(validating: "[1]")
        #expect(throws: EncodingError.self) { try JSONEncoder().encode([raw]) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RawJSON].self, from: Data("[[1]]".utf8)) }
    }

    @Test("the string form shows only the size")
    func description() throws {
        let raw = try RawJSON(validating: #"{"token":"secret"}"#)
        #expect(raw.description == "RawJSON(18 bytes)")
    }

    @Test("strings with escapes encode as valid JSON that reads back the same")
    func stringEscapes() throws {
        let original = Identify(token: "quote\" backslash\\ newline\n tab\t bell\u{07} del\u{7F} é 😀 /")
        let encoded = try WireJSON.encode(original)
        #expect(Fixtures.text(encoded).contains(#"\"#))
        #expect(try WireJSON.decode(Identify.self, from: encoded) == original)
        #expect(protocolError { try RawJSON(validating: encoded) } == nil)
    }

    @Test(
        "RFC 3339 timestamps read to the right instant",
        arguments: [
            ("1970-01-01T00:00:00Z", 0.0), ("2025-03-01T12:34:56Z", 1_740_832_496.0),
            ("2025-03-01T14:34:56+02:00", 1_740_832_496.0), ("2025-03-01t12:34:56.5z", 1_740_832_496.5),
            ("2024-02-29T23:59:59-00:30", 1_709_252_999.0), ("1969-12-31T23:59:59Z", -1.0),
        ])
    func timestamps(text: String, seconds: Double) throws {
        let stamp = try #require(Timestamp(rfc3339: text))
        #expect(stamp.date.timeIntervalSince1970 == seconds)
        #expect(stamp.text == text)
    }

    @Test(
        "malformed timestamps are refused",
        arguments: [
            "", "2025-03-01", "2025-03-01T12:34:56", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
            "2025-03-01T24:00:00Z", "2025-03-01T12:60:00Z", "2025-03-01 12:34:56Z", "2025-03-01T12:34:56.Z",
            "2025-03-01T12:34:56+0200", "25-03-01T12:34:56Z", "2025-03-01T12:34:56Z ", "2025-03-01T12:34:56+24:00",
        ])
    func badTimestamps(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("timestamps keep their exact text, so nanoseconds survive a round trip")
    func timestampPrecision() throws {
        let a = try #require(Timestamp(rfc3339: "2025-03-01T12:34:56.123456789Z"))
        let b = try #require(Timestamp(rfc3339: "2025-03-01T14:34:56.123456789+02:00"))
        #expect(a != b)
        #expect(a.date == b.date)
        let encoded = try WireJSON.encode([a])
        #expect(Fixtures.text(encoded) == #"["2025-03-01T12:34:56.123456789Z"]"#)
    }
}
