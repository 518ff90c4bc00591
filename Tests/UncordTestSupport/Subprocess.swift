public import Foundation
public import Testing

#if canImport(Glibc)
    import Glibc
    private let sendSignal = Glibc.kill
#elseif canImport(Darwin)
    import Darwin
    private let sendSignal = Darwin.kill
#endif

/// A built executable of this package (or a system tool) running as a subprocess; its outputs go to files that are
/// polled, and its standard input is a pipe the test may write to (closing it is the end of the input).
///
/// Shared by the test targets that run the built executables (`UncordKeysTests`, `UncordDevServerTests`).
public final class Subprocess: @unchecked Sendable {
    // @unchecked Sendable: the process and the file URLs are set once; Process is thread-safe for these calls.

    /// What a finished run left behind.
    public struct Outcome {
        /// The exit status.
        public var status: Int32
        /// All of standard output.
        public var standardOutput: String
        /// All of standard error.
        public var standardError: String

        /// Standard error's lines.
        public var errorLines: [Substring] { standardError.split(separator: "\n") }

        /// Standard output as one JSON object.
        public func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
            let lines = standardOutput.split(separator: "\n")
            try #require(
                lines.count == 1, "one JSON line expected, got: \(standardOutput)", sourceLocation: sourceLocation)
            return try #require(
                try JSONSerialization.jsonObject(with: Data(standardOutput.utf8)) as? [String: Any],
                "not a JSON object: \(standardOutput)", sourceLocation: sourceLocation)
        }
    }

    /// The process did not do what was waited for in time.
    public struct TimedOut: Error, CustomStringConvertible {
        /// What was waited for, with the process's outputs.
        public var description: String
    }

    /// The running process.
    public let process = Process()
    private let outURL: URL
    private let errURL: URL
    private let input = Pipe()

    private init(outURL: URL, errURL: URL) {
        self.outURL = outURL
        self.errURL = errURL
    }

    /// Finds `name` beside the test bundle or in `.build/debug`.
    public static func executable(_ name: String) throws -> URL {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var directories = [Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL {
            directories.insert(executable.deletingLastPathComponent(), at: 0)
        }
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        let candidates = directories.map { $0.appendingPathComponent(name) }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "\(name) is not built; run `swift build --build-tests`")
    }

    /// A system tool, such as `/usr/bin/zbarimg`.
    public static func tool(_ name: String, package: String) throws -> URL {
        let path = try #require(
            ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "\(name) is not installed: run `make deps` (Debian package \(package))")
        return URL(fileURLWithPath: path)
    }

    /// Starts `executable` with exactly `environment` (plus `HOME`, the scratch directory), in `scratch`.
    public static func start(
        _ executable: URL, _ arguments: [String], environment: [String: String], in scratch: Scratch
    ) throws -> Subprocess {
        let tag = UUID().uuidString
        let subprocess = Subprocess(
            outURL: scratch.url.appendingPathComponent(".out-\(tag)"),
            errURL: scratch.url.appendingPathComponent(".err-\(tag)"))
        try Data().write(to: subprocess.outURL)
        try Data().write(to: subprocess.errURL)
        let process = subprocess.process
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment.merging(["HOME": scratch.url.path]) { $1 }
        process.currentDirectoryURL = scratch.url
        let output = try FileHandle(forWritingTo: subprocess.outURL)
        let errors = try FileHandle(forWritingTo: subprocess.errURL)
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = subprocess.input
        try process.run()
        // The child has its own copies; this process's would stay open as long as the Process object lives.
        try? output.close()
        try? errors.close()
        return subprocess
    }

    /// Runs `executable` to completion with no input, with exactly `environment` (plus `HOME`, the scratch
    /// directory), in `scratch`, and answers what it left.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], in scratch: Scratch
    ) throws -> Outcome {
        let subprocess = try start(executable, arguments, environment: environment, in: scratch)
        subprocess.closeInput()
        subprocess.process.waitUntilExit()
        return Outcome(
            status: subprocess.process.terminationStatus, standardOutput: subprocess.standardOutput,
            standardError: subprocess.standardError)
    }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// All of standard output so far.
    public var standardOutput: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    /// All of standard error so far.
    public var standardError: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Writes `text` to the process's standard input.
    public func type(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Closes the process's standard input.
    public func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits until standard output holds `text`.
    public func waitForOutput(containing text: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if standardOutput.contains(text) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(description: "no '\(text)' in: \(standardOutput) \(standardError)")
    }

    /// Waits for a complete line of standard output that matches, and answers it.
    public func waitForLine(timeout: Duration, where matches: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.first(where: matches) { return line }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(description: "no matching line; stdout: \(standardOutput) stderr: \(standardError)")
    }

    /// Waits for the process to exit (terminating it after `timeout`) and answers what it left.
    public func finish(timeout: Duration) async throws -> Outcome {
        closeInput()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            terminate()
            throw TimedOut(description: "still running after \(timeout); stderr: \(standardError)")
        }
        return Outcome(status: process.terminationStatus, standardOutput: standardOutput, standardError: standardError)
    }

    /// The complete lines of standard output so far.
    public var lines: [String] {
        let text = standardOutput
        let complete = text.hasSuffix("\n") ? text[...] : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
        return complete.split(separator: "\n").map(String.init)
    }

    /// Waits until `condition` holds for the lines of standard output.
    public func waitUntil(timeout: Duration, _ what: String, _ condition: ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(lines) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if condition(lines) { return }
        throw TimedOut(description: "waited for \(what); stdout: \(standardOutput) stderr: \(standardError)")
    }

    /// Kills the process with SIGKILL, as a crash or the out-of-memory killer would, and waits for it.
    public func kill() {
        guard process.isRunning else { return }
        _ = sendSignal(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the process if it still runs and waits for it.
    ///
    /// A process that is still running 5 s after SIGTERM gets SIGKILL: a development server shutting down gracefully
    /// waits for its WebSocket clients, and a client that is itself only stopped by a later `terminate()` would
    /// otherwise hold this thread (often one of the two the machine's cooperative pool has) until it goes.
    public func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { _ = sendSignal(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        terminate()
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
}

/// A scratch directory, by default with the passphrase files the tests use, removed when released.
public final class Scratch: @unchecked Sendable {
    // @unchecked Sendable: immutable after init.

    /// The store passphrase.
    public static let passphrase = "correct horse battery staple"
    /// The backup passphrase.
    public static let backupPassphrase = "a different, long backup passphrase"

    /// The directory.
    public let url: URL

    /// A new directory (its name starting with `prefix`) holding the files `pass` and `backup-pass`, or nothing
    /// when `passphraseFiles` is `false`.
    public init(_ prefix: String = "uncord-keys", passphraseFiles: Bool = true) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard passphraseFiles else { return }
        try Data((Self.passphrase + "\n").utf8).write(to: url.appendingPathComponent("pass"))
        try Data((Self.backupPassphrase + "\n").utf8).write(to: url.appendingPathComponent("backup-pass"))
    }

    /// A path inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
