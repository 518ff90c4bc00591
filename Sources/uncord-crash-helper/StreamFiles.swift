import Foundation
import UncordCrypto
import UncordProtocol

/// The files of a crash-test directory.
///
/// - `store.sqlite`: the receiving device's store; `store.key`: its raw 32-byte key.
/// - `stream.tsv`: the messages to receive, in delivery order, one per line as `id<TAB>message JSON`; a line may
///   repeat an earlier one (a gateway replay).
/// - `tail.tsv`: one more message per sender, sealed after the whole stream, same format.
/// - `expected.tsv`: `id<TAB>sender device<TAB>body` for every distinct message of both files.
struct StreamFiles {
    /// The directory.
    let directory: URL

    init(directory: String) { self.directory = URL(fileURLWithPath: directory) }

    var store: String { directory.appendingPathComponent("store.sqlite").path }
    var key: URL { directory.appendingPathComponent("store.key") }
    var stream: URL { directory.appendingPathComponent("stream.tsv") }
    var tail: URL { directory.appendingPathComponent("tail.tsv") }
    var expected: URL { directory.appendingPathComponent("expected.tsv") }

    /// One line of a stream file: the message id, and the JSON decoded only when needed.
    struct Line {
        var id: UUID
        var json: Substring

        /// The message.
        func message() throws(HelperError) -> Message {
            do { return try WireJSON.decode(Message.self, from: String(json)) } catch {
                throw .badInput("message \(id): \(error)")
            }
        }
    }

    /// Reads the store key.
    func readKey() throws(HelperError) -> SecureBytes {
        guard let data = try? Data(contentsOf: key), data.count == 32 else {
            throw .badInput("\(key.path) must hold 32 bytes")
        }
        return SecureBytes(copying: data)
    }

    /// Reads a stream file's lines.
    static func readLines(_ url: URL) throws(HelperError) -> [Line] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw .badInput("cannot read \(url.path)")
        }
        return try text.split(separator: "\n").map { (line) throws(HelperError) -> Line in
            guard let tab = line.firstIndex(of: "\t"), let id = UUID(uuidString: String(line[..<tab])) else {
                throw .badInput("a line of \(url.lastPathComponent) does not start with an id and a tab")
            }
            return Line(id: id, json: line[line.index(after: tab)...])
        }
    }

    /// A stream line for `message`.
    static func line(for message: Message) throws -> String {
        "\(message.id.uuidString.lowercased())\t\(String(decoding: try WireJSON.encode(message), as: UTF8.self))"
    }
}
