public import Foundation

/// An RFC 3339 date-time as the server writes it (`2025-03-01T12:34:56Z`, `2025-03-01T12:34:56.789+02:00`).
///
/// The text is kept exactly, so a timestamp re-encodes without loss; ``date`` gives the instant. Equality compares
/// the text: two spellings of one instant are different timestamps, though their ``date`` values are equal.
public struct Timestamp: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The timestamp exactly as written.
    public let text: String
    /// The instant the text names.
    public let date: Date

    /// Reads RFC 3339 `date-time` text; `nil` when the text is not one (or names a day that does not exist).
    public init?(rfc3339 text: String) {
        guard let date = Timestamp.parse(Array(text.utf8)) else { return nil }
        self.text = text
        self.date = date
    }

    /// The text.
    public var description: String { text }

    /// Reads a JSON string holding RFC 3339 text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let timestamp = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "is not an RFC 3339 timestamp"))
        }
        self = timestamp
    }

    /// Writes the text unchanged.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// Two timestamps are equal when their texts are.
    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.text == rhs.text
    }

    /// Hashes the text.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }

    // MARK: - Parsing

    /// `YYYY-MM-DD T hh:mm:ss [.fraction] (Z | ±hh:mm)`, with `t` and `z` allowed in lowercase.
    static func parse(_ utf8: [UInt8]) -> Date? {
        var cursor = 0
        func number(_ digits: Int) -> Int? {
            guard cursor + digits <= utf8.count else { return nil }
            var value = 0
            for byte in utf8[cursor..<cursor + digits] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            cursor += digits
            return value
        }
        func expect(_ allowed: String) -> Bool {
            guard cursor < utf8.count, allowed.utf8.contains(utf8[cursor]) else { return false }
            cursor += 1
            return true
        }

        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt"), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour <= 23,
            minute <= 59, second <= 60
        else { return nil }

        var fraction = 0.0
        if expect(".") {
            let start = cursor
            while cursor < utf8.count, utf8[cursor] >= UInt8(ascii: "0"), utf8[cursor] <= UInt8(ascii: "9") {
                cursor += 1
            }
            guard cursor > start, let value = Double("0." + String(decoding: utf8[start..<cursor], as: UTF8.self))
            else { return nil }
            fraction = value
        }

        var offsetSeconds = 0
        if !expect("Zz") {
            guard cursor < utf8.count else { return nil }
            let sign = utf8[cursor] == UInt8(ascii: "-") ? -1 : 1
            guard expect("+-"), let offsetHour = number(2), expect(":"), let offsetMinute = number(2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        }
        guard cursor == utf8.count else { return nil }

        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
