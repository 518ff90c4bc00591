import Foundation
import UncordProtocol
import UncordStore

/// How commands print what they found: aligned `name  value` rows, or one JSON object (keys sorted, on one line).
enum Output {
    /// Prints `value` as one line of JSON.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }

    /// Prints one row per pair, the names padded to one column.
    static func rows(_ rows: [(String, String)]) {
        let width = max(19, (rows.map(\.0.count).max() ?? 0) + 2)
        for (name, value) in rows { print(name.padding(toLength: width, withPad: " ", startingAt: 0) + value) }
    }

    /// A time as RFC 3339 to the second, in UTC.
    static func time(_ date: Date) -> String {
        Timestamp(date).text
    }

    /// An optional time, or `nil`.
    static func time(_ date: Date?) -> String? { date.map(time) }
}

/// A store's status in JSON, exactly as `status --json` prints it, with the store's path added as `store`.
struct StoreStatusJSON {
    var store: String
    var status: StoreStatus

    /// Prints it as one line.
    func print() throws {
        let wire = try JSONSerialization.jsonObject(with: Data(try WireJSON.encode(status)))
        guard var object = wire as? [String: Any] else { return }
        object["store"] = store
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
