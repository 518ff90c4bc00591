import Foundation

/// `uncord-crash-helper`: the process the store's crash test kills (issue 4, item 6).
///
/// ```
/// uncord-crash-helper prepare DIR --seed 42 [--messages 2000] [--senders 3]
/// uncord-crash-helper receive DIR
/// ```
///
/// `prepare` creates the receiving store in DIR and writes the message stream that 2–3 sender devices sealed for
/// it (``CrashStream``). `receive` opens the store, resumes after the last message it holds and receives the rest
/// in order, one transaction each (``StreamReceiver``); it may be killed at any moment and started again.
@main
enum CrashHelper {
    static let usage = """
        usage: uncord-crash-helper prepare DIR --seed N [--messages N] [--senders N]
               uncord-crash-helper receive DIR
        """

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch (arguments.first, arguments.count) {
            case ("prepare", 2...):
                let options = try Options(parsing: arguments.dropFirst(2))
                let files = StreamFiles(directory: arguments[1])
                let summary = try CrashStream.prepare(
                    in: files, seed: options.seed, messages: options.messages, senders: options.senders)
                say(summary)
            case ("receive", 2):
                try StreamReceiver(files: StreamFiles(directory: arguments[1])).run()
            default:
                fail(usage, code: 64)
            }
        } catch let error as HelperError {
            fail("uncord-crash-helper: \(error)", code: error.exitCode)
        } catch {
            fail("uncord-crash-helper: \(error)", code: 1)
        }
    }

    /// Writes a line to standard output at once (unbuffered, so a parent reading a pipe sees it before a kill).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes a line to standard error.
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func fail(_ line: String, code: Int32) -> Never {
        note(line)
        exit(code)
    }

    /// The options of `prepare`.
    struct Options {
        var seed: UInt64?
        var messages = 2000
        var senders = 3

        init(parsing arguments: ArraySlice<String>) throws(HelperError) {
            var rest = arguments[...]
            while let name = rest.popFirst() {
                guard let value = rest.popFirst() else { throw .usage("\(name) needs a value") }
                switch name {
                case "--seed": seed = UInt64(value)
                case "--messages": messages = try Self.count(value, name, 1...100_000)
                case "--senders": senders = try Self.count(value, name, 1...10)
                default: throw .usage("unknown option \(name)")
                }
            }
        }

        private static func count(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(HelperError) -> Int
        {
            guard let value = Int(text), range.contains(value) else {
                throw .usage("\(name) must be a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
    }
}

/// What can go wrong in the helper; the exit code tells the test which.
enum HelperError: Error, CustomStringConvertible {
    /// Bad arguments (exit 64).
    case usage(String)
    /// A file of the stream directory is missing or malformed (exit 65).
    case badInput(String)
    /// The store holds something the stream cannot explain: a gap, an extra message, a duplicate that was not
    /// recognised (exit 3). This is what the crash test looks for.
    case inconsistent(String)

    var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .badInput: 65
        case .inconsistent: 3
        }
    }

    var description: String {
        switch self {
        case .usage(let detail): "\(detail)\n\(CrashHelper.usage)"
        case .badInput(let detail): "bad input: \(detail)"
        case .inconsistent(let detail): "inconsistent store: \(detail)"
        }
    }
}
