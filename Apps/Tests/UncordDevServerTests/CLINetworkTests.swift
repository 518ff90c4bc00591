import Foundation
import Testing
import UncordCrypto
import UncordRatchet
import UncordStore
import UncordTestSupport

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
        let server = try Subprocess.start(
            try Subprocess.executable("uncord-devserver"),
            ["--port", "0", "--data", scratch.path("data")], environment: [:], in: scratch)
        defer { server.terminate() }
        let first = try await server.waitForLine(timeout: .seconds(30)) { $0.hasPrefix("listening on ") }
        let serverURL = String(first.dropFirst("listening on ".count))
        #expect(serverURL.hasPrefix("http://127.0.0.1:"))

        let cli = try Subprocess.executable("uncord-keys")
        func keys(_ user: String, _ arguments: [String]) async throws -> Subprocess.Outcome {
            let process = try Subprocess.start(
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
        let listen = try Subprocess.start(
            cli,
            [
                "listen", "--channel", channel, "--for", "10", "--json", "--store", scratch.path("\(Self.bob).sqlite"),
                "--passphrase-file", scratch.path("pass"),
            ],
            environment: ["UNCORD_SERVER": serverURL, "UNCORD_TOKEN": "dev:\(Self.bob)"], in: scratch)
        defer { listen.terminate() }
        _ = try await listen.waitForLine(timeout: .seconds(30)) { $0.contains(#""event":"ready""#) }

        // Alice opened the channel naming Bob, so her store knows its members: no --to.
        let sent = try await keys(Self.alice, ["send", "--channel", channel, "--text", "hi Bob 👋"])
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

        let ended = try await listen.finish(timeout: .seconds(90))
        #expect(ended.status == 0, "\(ended.standardError)")
        for output in [ended.standardOutput, ended.standardError, sent.standardError] {
            #expect(!output.contains("dev:"), "a token was printed")
        }

        // --json: dm open names the channel and its known members; send names the message and its recipients.
        let openedJSON = try await keys(Self.alice, ["dm", "open", Self.bob, "--json"])
        let opening = try #require(
            try JSONSerialization.jsonObject(with: Data(openedJSON.standardOutput.utf8)) as? [String: Any])
        #expect(opening["channel_id"] as? String == channel)
        #expect(Set(opening["members"] as? [String] ?? []) == [Self.alice, Self.bob])
        let sentJSON = try await keys(Self.alice, ["send", "--channel", channel, "--text", "again", "--json"])
        let sending = try #require(
            try JSONSerialization.jsonObject(with: Data(sentJSON.standardOutput.utf8)) as? [String: Any])
        #expect(UUID(uuidString: sending["message_id"] as? String ?? "") != nil)
        #expect(sending["channel_id"] as? String == channel)
        #expect(Set(sending["members"] as? [String] ?? []) == [Self.alice, Self.bob])
        #expect(sending["warnings"] as? [String] == [])

        // A channel the store knows no member of is refused with a line that says what to do, and nothing is
        // queued.
        let stranger = UUID().uuidString.lowercased()
        let refused = try await keys(Self.alice, ["send", "--channel", stranger, "--text", "to whom?"])
        #expect(refused.status == 1)
        #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        #expect(refused.standardError.contains("--to USER") && refused.standardError.contains("dm open"))
        let status = try await keys(Self.alice, ["status", "--json"])
        #expect(status.standardOutput.contains(#""outbox":0"#), "\(status.standardOutput)")
    }

    @Test func missingServerOrTokenIsOneLineThatSaysHowToGiveIt() async throws {
        let scratch = try Scratch()
        let cli = try Subprocess.executable("uncord-keys")
        // A store that is not signed in: the server and the token must come from the options or the environment.
        let store = scratch.path("store.sqlite")
        _ = try SQLiteStore.create(
            at: store, device: DeviceAddress(user: UUID(), device: UUID()),
            key: .passphrase(SecureBytes(copying: Array(Scratch.passphrase.utf8)), parameters: .minimum))
        let storeArguments = ["--store", store, "--passphrase-file", scratch.path("pass")]
        let noServer = try await Subprocess.start(
            cli, ["sync"] + storeArguments, environment: ["UNCORD_TOKEN": "dev:do-not-print-me"], in: scratch
        ).finish(timeout: .seconds(30))
        #expect(noServer.status == 1)
        #expect(noServer.standardError.split(separator: "\n").count == 1, "\(noServer.standardError)")
        #expect(noServer.standardError.contains("--server") && noServer.standardError.contains("UNCORD_SERVER"))
        #expect(!(noServer.standardOutput + noServer.standardError).contains("do-not-print-me"))

        let noToken = try await Subprocess.start(
            cli, ["dm", "open", Self.bob] + storeArguments, environment: ["UNCORD_SERVER": "http://127.0.0.1:1"],
            in: scratch
        ).finish(timeout: .seconds(30))
        #expect(noToken.status == 1)
        #expect(noToken.standardError.split(separator: "\n").count == 1, "\(noToken.standardError)")
        #expect(noToken.standardError.contains("UNCORD_TOKEN") && noToken.standardError.contains("uncord-keys login"))

    }

    @Test func theServerShutsDownWhenItsInputClosesIfAsked() async throws {
        let scratch = try Scratch()
        let server = try Subprocess.start(
            try Subprocess.executable("uncord-devserver"),
            ["--port", "0", "--data", scratch.path("data"), "--exit-when-input-closes"], environment: [:], in: scratch)
        _ = try await server.waitForLine(timeout: .seconds(30)) { $0.hasPrefix("listening on ") }
        #expect(server.process.isRunning)
        server.closeInput()
        let ended = try await server.finish(timeout: .seconds(90))
        #expect(ended.status == 0, "\(ended.standardError)")
    }
}
