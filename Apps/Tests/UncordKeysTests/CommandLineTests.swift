import Foundation
import Testing
import UncordTestSupport

/// `uncord-keys` as a user meets it before anything works: the help of every command, and bad input of every kind —
/// each a one-line error that says what to do next, exit code 2 for usage and 1 for the rest, and no stored state
/// changed. Each case runs the built executable.
///
/// Serialized: the runs share two cores with the other suites, and a few open stores with Argon2id.
@Suite(.serialized)
struct CommandLineTests {
    static let user = "6f1c2a4e-0000-4000-8000-000000000002"
    static let device = "3d2c1b0a-0000-4000-8000-000000000009"

    /// Every command path.
    static let commands: [[String]] = [
        [], ["init"], ["status"], ["register"], ["sync"], ["dm"], ["prekeys"], ["prekeys", "list"],
        ["prekeys", "replenish"],
        ["prekeys", "rotate-signed"], ["bundle"], ["bundle", "export"], ["dm", "open"], ["send"], ["listen"],
        ["peers"], ["peers", "list"], ["peers", "show"], ["peers", "verify"], ["peers", "accept"], ["safety-number"],
        ["sessions"], ["sessions", "list"], ["sessions", "reset"], ["identity"], ["identity", "rotate"], ["backup"],
        ["backup", "export"], ["backup", "import"], ["vectors"], ["vectors", "verify"], ["link"], ["link", "request"],
        ["link", "approve"], ["link", "complete"],
    ]

    @Test(arguments: commands)
    func everyCommandsHelpIsCompleteWithAnExample(_ path: [String]) async throws {
        let harness = try KeysHarness()
        let help = try await harness.keys(nil, path + ["--help"])
        let text = help.expectSuccess()
        #expect(text.contains("USAGE: uncord-keys"), "\(path): \(text)")
        #expect(text.contains("OVERVIEW:"), "\(path) has no abstract")
        // An example: the command itself, spelt out in the discussion.
        let invocation = (["uncord-keys"] + path).joined(separator: " ")
        let example = text.components(separatedBy: "USAGE:").first ?? ""
        #expect(
            path.isEmpty || example.contains(invocation + " ") || example.contains(invocation + "\n"),
            "\(path) has no example in: \(text)")
        #expect(path.isEmpty || text.contains("Example:"), "\(path)")
        // Every option and argument has a line of help.
        let options = text.components(separatedBy: "OPTIONS:").dropFirst().first ?? ""
        for line in options.split(separator: "\n") where line.hasPrefix("  -") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(parts.count > 1 || options.contains("\(line)\n      "), "\(path): '\(line)' has no help")
        }
    }

    @Test(arguments: [
        (["peers", "show", "not-a-uuid"], "USER must be a UUID"),
        (["peers", "accept"], "Missing expected argument '<user>'"),
        (["peers", "accept", user, device], "Unexpected argument"),
        (["peers", "verify", user, "--safety-number", "12345"], "--safety-number must be 60 digits"),
        (["peers", "verify", user], "Missing expected argument '--safety-number"),
        (["sessions", "reset", user, "nope"], "DEVICE must be a UUID"),
        (["prekeys", "replenish", "--target", "0"], "--target must be 1 to 10000"),
        (["prekeys", "replenish", "--target", "many"], "--target"),
        (["init", "--user", "nope"], "--user must be a UUID"),
        (["init", "--user", user, "--prekeys", "20000"], "--prekeys must be 0 to 10000"),
        (["status", "--bogus"], "Unknown option '--bogus'"),
        (["frobnicate"], "frobnicate"),
        (["identity", "rotate"], "pass --yes"),
        (["identity", "rotate", "--yes", "--prekeys", "-5"], "--prekeys"),
        (["safety-number"], "Missing expected argument '<user>'"),
        (["safety-number", user, "--png", ""], "--png needs a file name"),
        (["backup", "export"], "Missing expected argument '<file>'"),
        (["vectors", "verify", "/nonexistent/vectors"], "is not a directory"),
    ])
    func usageErrorsAreOneLineWithExitCodeTwoAndChangeNothing(_ arguments: [String], _ message: String) async throws {
        let harness = try KeysHarness()
        let alice = try harness.makeStore("alice")
        let before = try harness.contents(of: alice)
        let run = try await harness.keys(alice, arguments)
        run.expectFailure(2, containing: [message, "--help`"])
        #expect(try harness.contents(of: alice) == before)
    }

    @Test func operationalErrorsAreOneLineThatSaysWhatToDoAndChangeNothing() async throws {
        let harness = try KeysHarness()
        let alice = try harness.makeStore("alice")
        let before = try harness.contents(of: alice)
        let stranger = UUID().uuidString.lowercased()
        let cases: [([String], [String])] = [
            (["peers", "show", stranger], ["is not known to this device", "uncord-keys peers list"]),
            (["peers", "accept", stranger], ["is not known to this device"]),
            (["peers", "verify", stranger, "--safety-number", String(repeating: "1", count: 60)], ["peers list"]),
            (["safety-number", stranger], ["is not known to this device"]),
            (["sessions", "reset", stranger, Self.device], ["no session with", "uncord-keys sessions list"]),
            (["safety-number", stranger, "--png", harness.scratch.path("no/such/dir/code.png")], ["not known"]),
            (["backup", "import", harness.scratch.path("pass")], ["already exists", "--force"]),
            (["backup", "export", harness.scratch.path("out.backup")], ["--backup-passphrase-file", "UNCORD_BACKUP"]),
            (["prekeys", "replenish"], ["no server given", "--server", "UNCORD_SERVER"]),
            (["identity", "rotate", "--yes"], ["no server given"]),
            (["register"], ["no server given"]),
        ]
        for (arguments, parts) in cases {
            let run = try await harness.keys(alice, arguments)
            run.expectFailure(1, containing: parts)
        }
        #expect(try harness.contents(of: alice) == before)
        #expect(!FileManager.default.fileExists(atPath: harness.scratch.path("out.backup")))

        // A wrong or missing passphrase, a missing store, a file that is not a backup.
        try Data("Tr0ub4dor&3\n".utf8).write(to: URL(fileURLWithPath: harness.scratch.path("wrong")))
        let wrong = try await harness.keys(
            nil,
            [
                "peers", "list", "--store", harness.storePath("alice"), "--passphrase-file",
                harness.scratch.path("wrong"),
            ])
        wrong.expectFailure(1, containing: ["wrong passphrase", "--passphrase-file"])
        #expect(!wrong.standardError.contains("Tr0ub4dor"))
        let missing = try await harness.keys(nil, ["sessions", "list", "--store", harness.storePath("alice")])
        missing.expectFailure(1, containing: ["no passphrase given", "--passphrase-file", "UNCORD_E2EE_PASSPHRASE"])
        let noStore = try await harness.keys(nil, ["prekeys", "list", "--store", harness.storePath("nobody")])
        noStore.expectFailure(1, containing: ["no store at", "uncord-keys init", "backup import"])
        let notABackup = try await harness.keys(
            nil,
            ["backup", "import", harness.scratch.path("pass"), "--store", harness.storePath("restored")],
            environment: ["UNCORD_E2EE_PASSPHRASE": "x", "UNCORD_BACKUP_PASSPHRASE": "y"])
        notABackup.expectFailure(1, containing: ["is not a usable uncord-e2ee backup"])
        #expect(!FileManager.default.fileExists(atPath: harness.storePath("restored")))
        #expect(try harness.contents(of: alice) == before)
    }

    @Test func initAndVectorsVerifyPrintJSON() async throws {
        let harness = try KeysHarness()
        let created = try await harness.keys(
            nil,
            [
                "init", "--user", Self.user, "--prekeys", "3", "--json", "--store", harness.storePath("new"),
                "--passphrase-file", harness.scratch.path("pass"),
            ])
        let object = try created.json()
        #expect(object["user_id"] as? String == Self.user)
        #expect(object["store"] as? String == harness.storePath("new"))
        #expect((object["one_time_pre_keys"] as? [String: Any])?["pending"] as? Int == 3)

        // Apps/Tests/UncordKeysTests/ → the repository's Vectors/.
        let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vectors").path
        let report = try await harness.keys(nil, ["vectors", "verify", vectors, "--json"]).json()
        #expect(report["failed"] as? Int == 0)
        #expect((report["passed"] as? Int ?? 0) > 100)
        try FileManager.default.createDirectory(
            atPath: harness.scratch.path("bad-vectors"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: harness.scratch.path("bad-vectors/x.json")))
        let failing = try await harness.keys(nil, ["vectors", "verify", harness.scratch.path("bad-vectors"), "--json"])
        #expect(failing.status == 1)
        #expect((try failing.json()["failed"] as? Int ?? 0) > 0)
    }

    @Test func aPassphraseIsReadFromTheTerminalWithoutEcho() async throws {
        let script = try Subprocess.tool("script", package: "bsdutils")
        let harness = try KeysHarness()
        let alice = try harness.makeStore("alice")
        let command = "\(harness.cli.path) prekeys list --store \(harness.storePath("alice"))"
        let session = try Subprocess.start(
            script, ["-qec", command, "/dev/null"], environment: [:], in: harness.scratch)
        try await session.waitForOutput(containing: "Passphrase for ", timeout: .seconds(30))
        session.type(Scratch.passphrase + "\n")
        let run = try await session.finish(timeout: .seconds(30))
        #expect(run.status == 0, "\(run.standardOutput)")
        #expect(run.standardOutput.contains("signed pre-keys"))
        #expect(!run.standardOutput.contains(Scratch.passphrase), "the passphrase was echoed")
        _ = alice
    }

    @Test func aPassphraseIsNeverTakenFromAnArgument() async throws {
        let harness = try KeysHarness()
        let run = try await harness.keys(nil, ["status", "--passphrase", Scratch.passphrase])
        run.expectFailure(2, containing: ["Unknown option '--passphrase'"])
        #expect(!run.standardError.contains(Scratch.passphrase))
    }
}
