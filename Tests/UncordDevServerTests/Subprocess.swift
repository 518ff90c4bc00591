import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A scratch directory with a passphrase file, removed when released.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("uncord-cli-net-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data("correct horse battery staple\n".utf8).write(to: url.appendingPathComponent("pass"))
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A built executable of this package running as a subprocess, its outputs going to files that are polled.
final class Subprocess: @unchecked Sendable {
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    let process = Process()
    let outURL: URL
    let errURL: URL

    private init(outURL: URL, errURL: URL) {
        self.outURL = outURL
        self.errURL = errURL
    }

    /// Finds `name` beside the test bundle or in `.build/debug`.
    static func executable(_ name: String) throws -> URL {
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

    /// Starts `executable` with exactly `environment` (plus `HOME`), in `scratch`.
    static func start(
        _ executable: URL, _ arguments: [String], environment: [String: String], in scratch: Scratch,
        standardInput: Pipe? = nil
    ) async throws -> Subprocess {
        let tag = UUID().uuidString
        let subprocess = Subprocess(
            outURL: scratch.url.appendingPathComponent("out-\(tag)"),
            errURL: scratch.url.appendingPathComponent("err-\(tag)"))
        try Data().write(to: subprocess.outURL)
        try Data().write(to: subprocess.errURL)
        let process = subprocess.process
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment.merging(["HOME": scratch.url.path]) { $1 }
        process.currentDirectoryURL = scratch.url
        process.standardOutput = try FileHandle(forWritingTo: subprocess.outURL)
        process.standardError = try FileHandle(forWritingTo: subprocess.errURL)
        process.standardInput = standardInput ?? FileHandle.nullDevice
        try process.run()
        return subprocess
    }

    var standardOutput: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Waits for a complete line of standard output that matches, and answers it.
    func waitForLine(timeout: Duration, where matches: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.first(where: matches) { return line }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TimedOut(description: "no matching line; stdout: \(standardOutput) stderr: \(standardError)")
    }

    /// Waits for the process to exit (terminating it after `timeout`) and answers what it left.
    func finish(timeout: Duration) async throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            terminate()
            throw TimedOut(description: "still running after \(timeout); stderr: \(standardError)")
        }
        return Outcome(status: process.terminationStatus, standardOutput: standardOutput, standardError: standardError)
    }

    /// The complete lines of standard output so far.
    var lines: [String] {
        let text = standardOutput
        let complete = text.hasSuffix("\n") ? text[...] : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
        return complete.split(separator: "\n").map(String.init)
    }

    /// Waits until `condition` holds for the lines of standard output.
    func waitUntil(
        timeout: Duration, _ what: String, _ condition: ([String]) -> Bool
    ) async throws {
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
    func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the process if it still runs and waits for it.
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit {
        terminate()
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
}
