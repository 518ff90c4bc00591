import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

/// `persisted_receive_two_processes_per_s` (issue 15): two processes receive into one store at once, each from a
/// sender of its own in batches of 100 (one transaction each); the figure is every message over the wall time from
/// the first start to the last end. Beside it, `persisted_receive_one_process_per_s`: one process of the same kind
/// receiving both senders' messages, for the ratio (target ≥ 0.8).
enum TwoProcessReceive {
    /// Messages per sender.
    static let perSender = 2_000

    /// Both figures, in messages per second: (one process, two processes).
    static func measure(_ executable: URL) throws -> (one: Double, two: Double) {
        func run(_ files: [[String]], receiver: ReceiverStore) throws -> Double {
            let children = try files.map { try Child(executable, path: receiver.path, files: $0, key: receiver.key) }
            for child in children { try child.waitUntilReady() }
            for child in children { try child.go() }
            let spans = try children.map { try $0.finish() }
            let seconds = (spans.map(\.end).max() ?? 0) - (spans.map(\.start).min() ?? 0)
            return Double(perSender * 2) / seconds
        }
        // Each run gets fresh messages and its own store, so no run receives what another stored.
        func fixture() throws -> (ReceiverStore, [String]) {
            let receiver = try ReceiverStore()
            try receiver.growSessions(to: 10)
            var files: [String] = []
            for index in 0..<2 {
                let sender = try receiver.makeSender()
                let file = receiver.directory.appendingPathComponent("messages-\(index).json").path
                try Data(try WireJSON.encode(try sender.messages(perSender))).write(to: URL(fileURLWithPath: file))
                files.append(file)
            }
            receiver.close()
            return (receiver, files)
        }
        var one: [Double] = []
        var two: [Double] = []
        for _ in 0..<3 {
            let (single, singleFiles) = try fixture()
            one.append(try run([singleFiles], receiver: single))
            let (shared, sharedFiles) = try fixture()
            two.append(try run(sharedFiles.map { [$0] }, receiver: shared))
        }
        return (Measure.median(one), Measure.median(two))
    }

    /// One receiving process, driven over its standard input and output.
    final class Child {
        private let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private var lines: [String] = []
        private var buffer = Data()

        init(_ executable: URL, path: String, files: [String], key: SecureBytes) throws {
            process.executableURL = executable
            process.arguments = ["receive", path] + files
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data((Hex.encode(key.exportBytes()) + "\n").utf8))
        }

        func waitUntilReady() throws {
            guard try nextLine() == "ready" else { throw BenchFailure("the receiving child did not get ready") }
        }

        func go() throws { input.fileHandleForWriting.write(Data("go\n".utf8)) }

        /// The child's start and end, in seconds on the wall clock.
        func finish() throws -> (start: Double, end: Double) {
            let fields = try nextLine().split(separator: " ").compactMap { Double($0) }
            process.waitUntilExit()
            guard process.terminationStatus == 0, fields.count == 2 else {
                throw BenchFailure("the receiving child failed")
            }
            return (fields[0], fields[1])
        }

        private func nextLine() throws -> String {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    return line
                }
                let more = output.fileHandleForReading.availableData
                guard !more.isEmpty else { throw BenchFailure("the receiving child ended early") }
                buffer.append(more)
            }
        }
    }

    /// The child's side: opens the store (raw key on the first line of standard input), reads the messages, prints
    /// `ready`, waits for `go`, receives every message in batches of 100 and prints its start and end times.
    static func child(path: String, files: [String]) throws {
        guard let keyLine = readLine() else { throw BenchFailure("no key") }
        let store = try SQLiteStore.open(at: path, key: .rawKey(SecureBytes(copying: try Hex.decode(keyLine))))
        let cipher = SessionCipher()
        var messages: [Message] = []
        for file in files {
            messages += try WireJSON.decode(
                [Message].self, from: Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        }
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        guard readLine() == "go" else { throw BenchFailure("no go") }
        let start = Date().timeIntervalSince1970
        for first in stride(from: 0, to: messages.count, by: 100) {
            let batch = Array(messages[first..<min(first + 100, messages.count)])
            for result in try store.receive(batch, using: cipher) { _ = try result.get() }
        }
        let end = Date().timeIntervalSince1970
        FileHandle.standardOutput.write(Data(String(format: "%.6f %.6f\n", start, end).utf8))
    }
}
