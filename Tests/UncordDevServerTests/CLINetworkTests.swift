import Foundation
import Testing

/// `uncord-keys register`, `dm open`, `send` and `listen` against `uncord-devserver`, each one the built executable
/// run as a subprocess (issue 6, item 3).
///
/// Serialized: every store open derives its key with Argon2id's moderate limits (256 MiB).
@Suite(.serialized)
struct CLINetworkTests {
    static let alice = "6f1c2a4e-0000-4000-8000-00000000a11c"
    static let bob = "6f1c2a4e-0000-4000-8000-000000000b0b"

    @Test func aMessageSentWithTheCLIArrivesInAnotherDevicesListen() async throws {
        let scratch = try Scratch()
        let server = try await Subprocess.start(
            try Subprocess.executable("uncord-devserver"),
            ["--port", "0", "--data", scratch.path("data")], environment: [:], in: scratch)
        defer { server.terminate() }
        let first = try await server.waitForLine(timeout: .seconds(30)) { $0.hasPrefix("listening on ") }
        let serverURL = String(first.dropFirst("listening on ".count))
        #expect(serverURL.hasPrefix("http://127.0.0.1:"))

        let cli = try Subprocess.executable("uncord-keys")
        func keys(_ user: String, _ arguments: [String]) async throws -> Subprocess.Outcome {
            let process = try await Subprocess.start(
                cli,
                arguments + ["--store", scratch.path("\(user).sqlite"), "--passphrase-file", scratch.path("pass")],
                environment: ["UNCORD_SERVER": serverURL, "UNCORD_TOKEN": "dev:\(user)"], in: scratch)
            return try await process.finish(timeout: .seconds(30))
        }
        for user in [Self.alice, Self.bob] {
            let created = try await keys(user, ["init", "--user", user, "--prekeys", "15"])
            #expect(created.status == 0, "\(created.standardError)")
            let registered = try await keys(user, ["register"])
            #expect(registered.status == 0, "\(registered.standardError)")
            #expect(registered.standardOutput.contains("15 uploaded, 15 on the server"), "\(registered.standardOutput)")
        }

        let opened = try await keys(Self.alice, ["dm", "open", Self.bob])
        #expect(opened.status == 0, "\(opened.standardError)")
        let channel = opened.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(UUID(uuidString: channel) != nil, "dm open printed \(opened.standardOutput)")
        let again = try await keys(Self.bob, ["dm", "open", Self.alice])
        #expect(again.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == channel)

        // Bob listens first; Alice sends only once his gateway session is ready, so nothing depends on timing.
        let listen = try await Subprocess.start(
            cli,
            [
                "listen", "--channel", channel, "--for", "10", "--json", "--store", scratch.path("\(Self.bob).sqlite"),
                "--passphrase-file", scratch.path("pass"),
            ],
            environment: ["UNCORD_SERVER": serverURL, "UNCORD_TOKEN": "dev:\(Self.bob)"], in: scratch)
        defer { listen.terminate() }
        _ = try await listen.waitForLine(timeout: .seconds(30)) { $0.contains(#""event":"ready""#) }

        let sent = try await keys(Self.alice, ["send", "--channel", channel, "--to", Self.bob, "--text", "hi Bob 👋"])
        #expect(sent.status == 0, "\(sent.standardError)")
        let messageID = sent.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UUID(uuidString: messageID) != nil, "send printed \(sent.standardOutput)")

        let line = try await listen.waitForLine(timeout: .seconds(30)) { $0.contains(#""event":"message""#) }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["body"] as? String == "hi Bob 👋")
        #expect(object["message_id"] as? String == messageID)
        #expect(object["channel_id"] as? String == channel)
        #expect(object["author_id"] as? String == Self.alice)
        #expect(UUID(uuidString: object["author_device"] as? String ?? "") != nil)

        let ended = try await listen.finish(timeout: .seconds(20))
        #expect(ended.status == 0, "\(ended.standardError)")
        for output in [ended.standardOutput, ended.standardError, sent.standardError] {
            #expect(!output.contains("dev:"), "a token was printed")
        }
    }

    @Test func missingServerOrTokenIsOneLineThatSaysHowToGiveIt() async throws {
        let scratch = try Scratch()
        let cli = try Subprocess.executable("uncord-keys")
        let noServer = try await Subprocess.start(
            cli, ["sync"], environment: ["UNCORD_TOKEN": "dev:do-not-print-me"], in: scratch
        ).finish(timeout: .seconds(30))
        #expect(noServer.status == 1)
        #expect(noServer.standardError.split(separator: "\n").count == 1, "\(noServer.standardError)")
        #expect(noServer.standardError.contains("--server") && noServer.standardError.contains("UNCORD_SERVER"))
        #expect(!(noServer.standardOutput + noServer.standardError).contains("do-not-print-me"))

        let noToken = try await Subprocess.start(
            cli, ["dm", "open", Self.bob], environment: ["UNCORD_SERVER": "http://127.0.0.1:1"], in: scratch
        ).finish(timeout: .seconds(30))
        #expect(noToken.status == 1)
        #expect(noToken.standardError.split(separator: "\n").count == 1, "\(noToken.standardError)")
        #expect(noToken.standardError.contains("UNCORD_TOKEN"))

    }
}

/// A scratch directory with a passphrase file, removed when released.
private final class Scratch {
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
private final class Subprocess: @unchecked Sendable {
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
        _ executable: URL, _ arguments: [String], environment: [String: String], in scratch: Scratch
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
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return subprocess
    }

    var standardOutput: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Waits for a complete line of standard output that matches, and answers it.
    func waitForLine(timeout: Duration, where matches: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = standardOutput
            let complete = text.hasSuffix("\n") ? text[...] : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
            if let line = complete.split(separator: "\n").map(String.init).first(where: matches) { return line }
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
