public import Foundation

extension Timestamp {
    /// How much of the second a timestamp made from a `Date` keeps.
    public enum Precision: Sendable, Hashable {
        /// Whole seconds: `2025-06-15T15:06:40Z` (the server's form, and the CLI's).
        case seconds
        /// Milliseconds: `2025-06-15T15:06:40.122Z` (the form the store keeps).
        case milliseconds
    }

    /// `date` in UTC as RFC 3339 text to `precision`, cut rather than rounded: the text Foundation's
    /// `Date.ISO8601FormatStyle` writes (`includingFractionalSeconds` for ``Precision/milliseconds``). ``date`` is
    /// the instant the text names, as ``init(rfc3339:)`` reads it back.
    ///
    /// ```swift
    /// Timestamp(Date(timeIntervalSince1970: 1_750_000_000.1225), precision: .milliseconds).text
    /// // "2025-06-15T15:06:40.122Z"
    /// ```
    ///
    /// The text is written field by field, many times faster than the format style; the format style still writes
    /// any date within a microsecond of a boundary of the precision (where the two could cut differently) or whose
    /// year has other than four digits.
    public init(_ date: Date, precision: Precision = .seconds) {
        if let (text, instant) = Self.fastFormat(date, precision: precision) {
            self.text = text
            self.date = instant
        } else {
            let style = Date.ISO8601FormatStyle(includingFractionalSeconds: precision == .milliseconds)
            let text = date.ISO8601Format(style)
            self.text = text
            self.date = Self.parse(Array(text.utf8)) ?? date
        }
    }

    /// The fast path of ``init(_:precision:)``: the text and the instant it names, or `nil` where it defers to the
    /// format style.
    static func fastFormat(_ date: Date, precision: Precision) -> (text: String, date: Date)? {
        let interval = date.timeIntervalSince1970
        let seconds: Int
        let millis: Int
        switch precision {
        case .milliseconds:
            let milliseconds = interval * 1000
            let whole = milliseconds.rounded(.down)
            guard milliseconds - whole > 0.001, whole + 1 - milliseconds > 0.001, abs(whole) < 9e15 else {
                return nil
            }
            let total = Int(whole)
            (seconds, millis) = (total / 1000, total % 1000)
        case .seconds:
            let whole = interval.rounded(.down)
            let fraction = interval - whole
            guard fraction == 0 || (fraction > 1e-6 && fraction < 1 - 1e-6), abs(whole) < 9e12 else { return nil }
            (seconds, millis) = (Int(whole), 0)
        }
        // Whole seconds and a millisecond in 0...999 (a negative remainder borrows a second).
        let (second, milli) = millis < 0 ? (seconds - 1, millis + 1000) : (seconds, millis)
        let days = (second >= 0 ? second : second - 86_399) / 86_400
        let secondOfDay = second - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        guard (1000...9999).contains(year) else { return nil }

        let count = precision == .milliseconds ? 24 : 20
        let text = String(unsafeUninitializedCapacity: count) { out in
            var index = 0
            func put(_ value: Int, digits: Int, then separator: UInt8) {
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    out[index] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    index += 1
                    divisor /= 10
                }
                out[index] = separator
                index += 1
            }
            put(year, digits: 4, then: UInt8(ascii: "-"))
            put(month, digits: 2, then: UInt8(ascii: "-"))
            put(day, digits: 2, then: UInt8(ascii: "T"))
            put(secondOfDay / 3600, digits: 2, then: UInt8(ascii: ":"))
            put(secondOfDay / 60 % 60, digits: 2, then: UInt8(ascii: ":"))
            if precision == .milliseconds {
                put(secondOfDay % 60, digits: 2, then: UInt8(ascii: "."))
                put(milli, digits: 3, then: UInt8(ascii: "Z"))
            } else {
                put(secondOfDay % 60, digits: 2, then: UInt8(ascii: "Z"))
            }
            return index
        }
        // What ``parse(_:)`` reads the text as: the whole seconds, plus the fraction's nearest `Double` (which
        // `milli / 1000` is too).
        return (text, Date(timeIntervalSince1970: Double(second) + Double(milli) / 1000))
    }

    /// The proleptic Gregorian date `days` after 1970-01-01: the inverse of ``daysSinceEpoch(year:month:day:)``.
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097  // 0...146_096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153  // 0...11
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
