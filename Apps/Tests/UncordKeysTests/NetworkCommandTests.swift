import Foundation
import Testing
import UncordRatchet
import UncordTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The commands of issue 7 against `uncord-devserver`, every one the built `uncord-keys` run as a subprocess: pre-keys,
/// the bundle export, peers and safety numbers, trust refusals (exit code 3), sessions, identity rotation and
/// backups that carry a conversation over to a restored store.
///
/// Serialized: each test starts a server and many short processes on two shared cores.
@Suite(.serialized)
struct NetworkCommandTests {
    static let alice = UUID(uuidString: "6f1c2a4e-0000-4000-8000-00000000a11c") ?? UUID()
    static let bob = UUID(uuidString: "6f1c2a4e-0000-4000-8000-000000000b0b") ?? UUID()

    /// A server, Alice and Bob registered, and their DM channel.
    struct World {
        let harness: KeysHarness
        let alice: KeysHarness.Device
        let bob: KeysHarness.Device
        let channel: String

        init(alicePreKeys: Int = 20) async throws {
            harness = try KeysHarness()
            try await harness.startServer()
            alice = try harness.makeStore("alice", user: NetworkCommandTests.alice, prekeys: alicePreKeys)
            bob = try harness.makeStore("bob", user: NetworkCommandTests.bob)
            for device in [alice, bob] { try await harness.keys(device, ["register"]).expectSuccess() }
            let opened = try await harness.keys(alice, ["dm", "open", bob.userID]).expectSuccess()
            channel = opened.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// `send` from one device to the other; answers the message id.
        @discardableResult
        func send(_ text: String, from sender: KeysHarness.Device, to recipient: KeysHarness.Device) async throws
            -> String
        {
            let sent = try await harness.keys(
                sender, ["send", "--channel", channel, "--to", recipient.userID, "--text", text])
            return sent.expectSuccess().trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Runs `listen --json` as `device` until the message `text` arrives; answers its line as JSON.
        func receive(
            _ text: String, at device: KeysHarness.Device, environment: [String: String] = [:],
            store: [String] = []
        ) async throws -> [String: Any] {
            var environment = environment
            if !store.isEmpty {
                environment["UNCORD_SERVER"] = harness.serverURL
                environment["UNCORD_TOKEN"] = "dev:\(device.userID)"
            }
            let listen = try harness.start(
                store.isEmpty ? device : nil, ["listen", "--json"] + store, environment: environment)
            defer { listen.terminate() }
            let line = try await listen.waitForLine(timeout: .seconds(60)) {
                $0.contains(#""event":"message""#) && $0.contains(text)
            }
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func preKeysAreReplenishedRotatedAndListedWithoutAPrivateKeyShown() async throws {
        let world = try await World(alicePreKeys: 5)
        let harness = world.harness
        let alice = world.alice
        var outputs: [String] = []

        let replenished = try await harness.keys(alice, ["prekeys", "replenish", "--target", "150", "--json"])
        outputs += [replenished.standardOutput, replenished.standardError]
        let result = try replenished.json()
        #expect(result["target"] as? Int == 150)
        #expect(result["generated"] as? Int == 145)
        #expect(result["uploaded"] as? Int == 145)
        #expect(result["on_server_before"] as? Int == 5)
        #expect(result["on_server_after"] as? Int == 150)
        #expect(replenished.errorLines == ["made 145 one-time pre-keys", "uploaded 100/145", "uploaded 145/145"])

        let listed = try await harness.keys(alice, ["prekeys", "list", "--json"])
        outputs.append(listed.standardOutput)
        let listing = try listed.json()
        let signed = try #require(listing["signed_pre_keys"] as? [[String: Any]])
        #expect(signed.count == 1)
        #expect(signed.first?["state"] as? String == "current" && signed.first?["published"] as? Bool == true)
        let oneTime = try #require(listing["one_time_pre_keys"] as? [[String: Any]])
        #expect(oneTime.count == 150)
        #expect(oneTime.allSatisfy { $0["state"] as? String == "published" && $0["created_at"] is String })
        #expect(Set(oneTime.flatMap(\.keys)) == ["id", "state", "created_at"])

        let rotated = try await harness.keys(alice, ["prekeys", "rotate-signed", "--json"])
        outputs.append(rotated.standardOutput)
        let rotation = try rotated.json()
        #expect((rotation["signed_pre_key"] as? [String: Any])?["id"] as? Int == 2)
        #expect(rotation["retired"] as? Int == 1)
        let text = try await harness.keys(alice, ["prekeys", "list"]).expectSuccess()
        outputs.append(text)
        #expect(text.contains("#2  current, published"))
        #expect(text.contains("#1  retired"))
        #expect(text.contains("one-time pre-keys: 150 (0 pending, 150 published)"))

        let synced = try await harness.keys(alice, ["sync", "--json"])
        outputs.append(synced.standardOutput)
        #expect(((try synced.json())["one_time_pre_keys"] as? [String: Any])?["after"] as? Int == 150)

        // A device that is not registered is told to register first; `register --json` says what it did.
        let carol = try harness.makeStore("carol", prekeys: 7)
        try await harness.keys(carol, ["prekeys", "replenish"]).expectFailure(1, containing: ["uncord-keys register"])
        let registered = try await harness.keys(carol, ["register", "--json"]).json()
        #expect(registered["newly_registered"] as? Bool == true)
        #expect(registered["device_id"] as? String == carol.deviceID)
        #expect((registered["one_time_pre_keys"] as? [String: Any])?["on_server"] as? Int == 7)

        let secrets = try harness.secrets(of: alice)
        #expect(secrets.count == 2 * (1 + 2 + 150))
        for output in outputs {
            #expect(!secrets.contains { output.contains($0) }, "a private key was printed")
            #expect(!output.contains("dev:"), "the token was printed")
        }
    }

    @Test func theBundleExportIsExactlyWhatTheServerTakes() async throws {
        let world = try await World()
        let harness = world.harness
        let carol = try harness.makeStore("carol", prekeys: 120)
        let text = try await harness.keys(carol, ["bundle", "export"]).expectSuccess()
        #expect(text.hasPrefix("POST /api/v1/users/@me/devices\n{\"device_id\":\"\(carol.deviceID)\""))
        #expect(text.contains("PUT /api/v1/users/@me/devices/\(carol.deviceID)/signed-pre-key\n"))
        #expect(text.components(separatedBy: "/one-time-pre-keys\n").count == 3)

        let bundle = try await harness.keys(carol, ["bundle", "export", "--json"]).json()
        #expect(bundle["device_id"] as? String == carol.deviceID)
        let batches = try #require(bundle["one_time_pre_keys"] as? [[String: Any]])
        #expect(batches.map { ($0["pre_keys"] as? [Any])?.count } == [100, 20])

        // Posted by hand, the bodies make a device Alice can start a session with, and Carol reads her message.
        let server = try #require(harness.serverURL)
        let base = "\(server)/api/v1/users/@me/devices"
        func call(_ method: String, _ url: String, _ body: Any?) async throws -> Int {
            var request = URLRequest(url: try #require(URL(string: url)))
            request.httpMethod = method
            request.setValue("Bearer dev:\(carol.userID)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: try #require(body))
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        #expect(try await call("POST", base, bundle["register"]) == 201)
        #expect(try await call("PUT", "\(base)/\(carol.deviceID)/signed-pre-key", bundle["signed_pre_key"]) == 204)
        for batch in batches {
            #expect(try await call("POST", "\(base)/\(carol.deviceID)/one-time-pre-keys", batch) == 204)
        }

        // What the server took is recorded in the store as `register` would, so Carol can listen.
        try harness.markPublished(carol)
        let channel = try await harness.keys(world.alice, ["dm", "open", carol.userID]).expectSuccess()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await harness.keys(
            world.alice, ["send", "--channel", channel, "--to", carol.userID, "--text", "to a hand-made device"]
        ).expectSuccess()
        let received = try await world.receive("to a hand-made device", at: carol)
        #expect(received["author_id"] as? String == world.alice.userID)
    }

    @Test func safetyNumbersVerifyAndIdentityChangesAreRefusedUntilAccepted() async throws {
        let world = try await World()
        let harness = world.harness
        let (alice, bob) = (world.alice, world.bob)
        try await world.send("hi bob", from: alice, to: bob)
        _ = try await world.receive("hi bob", at: bob)

        let peers = try await harness.keys(bob, ["peers", "list", "--json"]).json()
        let listed = try #require((peers["peers"] as? [[String: Any]])?.first)
        #expect(listed["user_id"] as? String == alice.userID)
        // Trust belongs to the user's account key; each device is authorized or refused.
        #expect(listed["trust"] as? String == "unverified" && listed["self"] as? Bool == false)
        #expect((listed["devices"] as? [[String: Any]])?.first?["state"] as? String == "authorized")
        let shown = try await harness.keys(bob, ["peers", "show", alice.userID, "--json"]).json()
        #expect((shown["fingerprint"] as? String)?.count == 30)
        #expect(shown["first_seen_at"] is String && shown["verified_at"] == nil)
        let device = try #require((shown["devices"] as? [[String: Any]])?.first)
        #expect(device["device_id"] as? String == alice.deviceID && device["state"] as? String == "authorized")
        let status = try await harness.keys(alice, ["status", "--json"]).json()
        #expect(shown["identity_key"] as? String == status["identity_key"] as? String)
        #expect(device["identity_key"] as? String == status["identity_key"] as? String)
        let text = try await harness.keys(bob, ["peers", "show", alice.userID]).expectSuccess()
        #expect(text.contains("fingerprint") && text.contains("unverified"))

        // Both sides compute the same number; the QR code and the PNG hold its scannable text.
        let mine = try await harness.keys(alice, ["safety-number", bob.userID, "--json"]).json()
        let theirs = try await harness.keys(bob, ["safety-number", alice.userID, "--json"]).json()
        let digits = try #require(mine["safety_number"] as? String)
        #expect(digits.count == 60 && digits == theirs["safety_number"] as? String)
        #expect(mine["scannable"] as? String == "UEDM1-SN:" + digits)
        let png = harness.scratch.path("bob.png")
        let drawn = try await harness.keys(alice, ["safety-number", bob.userID, "--png", png]).expectSuccess()
        #expect(
            drawn.contains(
                try #require(mine["formatted"] as? String).split(separator: " ").prefix(4).joined(separator: " ")))
        #expect(drawn.contains("\u{2588}") && drawn.contains("\u{2580}"))
        let scanned = try await zbarimg(png, in: harness.scratch)
        #expect(scanned == "UEDM1-SN:" + digits)

        // A wrong number is refused by the trust policy (3) and changes nothing; the right one verifies.
        let before = try harness.contents(of: bob)
        let wrong = String(digits.reversed())
        try await harness.keys(bob, ["peers", "verify", alice.userID, "--safety-number", wrong]).expectFailure(
            3, containing: ["refused by the trust policy", "uncord-keys safety-number \(alice.userID)"])
        #expect(try harness.contents(of: bob) == before)
        let verified = try await harness.keys(
            bob, ["peers", "verify", alice.userID, "--safety-number", "UEDM1-SN:" + digits, "--json"]
        ).json()
        #expect(verified["verified_devices"] as? [String] == [alice.deviceID])

        // Alice rotates her identity key; Bob, who verified her, may not send until he accepts the change.
        let rotated = try await harness.keys(alice, ["identity", "rotate", "--yes", "--json"]).json()
        #expect(rotated["identity_key"] as? String != status["identity_key"] as? String)
        #expect(rotated["archived_sessions"] as? Int == 1)
        let refused = try await harness.keys(
            bob, ["send", "--channel", world.channel, "--to", alice.userID, "--text", "blocked"])
        #expect(refused.status == 3, "\(refused.standardError)")
        #expect(refused.errorLines.last?.hasPrefix("error: refused by the trust policy") == true)
        #expect(refused.standardError.contains("uncord-keys peers accept \(alice.userID)"))
        let changed = try await harness.keys(bob, ["peers", "show", alice.userID, "--json"]).json()
        #expect(changed["sending_blocked"] as? Bool == true, "\(changed)")
        #expect(changed["identity_key"] as? String == status["identity_key"] as? String, "the old pin stays")
        #expect(changed["pending_identity_key"] as? String == rotated["identity_key"] as? String, "\(changed)")

        let newDigits = try #require(
            try await harness.keys(alice, ["safety-number", bob.userID, "--json"]).json()["safety_number"] as? String)
        #expect(newDigits != digits)
        let unaccepted = try harness.contents(of: bob)
        try await harness.keys(bob, ["peers", "verify", alice.userID, "--safety-number", newDigits]).expectFailure(
            3, containing: ["changed and is not accepted", "uncord-keys peers accept"])
        #expect(try harness.contents(of: bob) == unaccepted)

        let accepted = try await harness.keys(bob, ["peers", "accept", alice.userID, "--json"]).json()
        #expect(accepted["trust"] as? String == "unverified")
        let pinned = try await harness.keys(bob, ["peers", "show", alice.userID, "--json"]).json()
        #expect(pinned["identity_key"] as? String == rotated["identity_key"] as? String)
        #expect(pinned["sending_blocked"] as? Bool == false && pinned["changed_at"] is String)
        try await harness.keys(bob, ["peers", "accept", alice.userID]).expectFailure(
            1, containing: ["did not change", "nothing to accept"])
        try await world.send("after the change", from: bob, to: alice)
        // The server keeps Alice's old one-time pre-keys after the rotation (as the real one does) and may hand Bob
        // one of them: the rotation kept their private halves, so Alice still opens the session.
        let received = try await world.receive("after the change", at: alice)
        #expect(received["author_id"] as? String == bob.userID)
        try await harness.keys(bob, ["peers", "verify", alice.userID, "--safety-number", newDigits]).expectSuccess()
    }

    @Test func aSessionResetStartsANewSessionAndTheConversationGoesOn() async throws {
        let world = try await World()
        let harness = world.harness
        let (alice, bob) = (world.alice, world.bob)
        try await world.send("one", from: alice, to: bob)
        _ = try await world.receive("one", at: bob)

        func sessions(_ device: KeysHarness.Device) async throws -> [[String: Any]] {
            try #require(
                try await harness.keys(device, ["sessions", "list", "--json"]).json()["sessions"] as? [[String: Any]])
        }
        let first = try await sessions(alice)
        #expect(first.count == 1)
        #expect(first.first?["device_id"] as? String == bob.deviceID && first.first?["state"] as? String == "active")
        #expect(
            try await harness.keys(alice, ["sessions", "list"]).expectSuccess().contains(
                "\(bob.userID)/\(bob.deviceID)  active"))

        let reset = try await harness.keys(alice, ["sessions", "reset", bob.userID, bob.deviceID, "--json"]).json()
        #expect(reset["archived_sessions"] as? Int == 1)
        #expect(try await sessions(alice).first?["state"] as? String == "archived")

        try await world.send("after the reset", from: alice, to: bob)
        #expect(try await sessions(alice).map { $0["state"] as? String } == ["active", "earlier"])
        _ = try await world.receive("after the reset", at: bob)
        #expect(try await sessions(bob).count == 2)
        try await world.send("and back", from: bob, to: alice)
        _ = try await world.receive("and back", at: alice)
    }

    @Test func aBackupRestoredElsewhereCarriesTheConversationOn() async throws {
        let world = try await World()
        let harness = world.harness
        let (alice, bob) = (world.alice, world.bob)
        try await world.send("before the backup", from: alice, to: bob)
        _ = try await world.receive("before the backup", at: bob)
        try await world.send("reply before", from: bob, to: alice)
        _ = try await world.receive("reply before", at: alice)

        let file = harness.scratch.path("alice.backup")
        let backupFile = ["--backup-passphrase-file", harness.scratch.path("backup-pass")]
        let exported = try await harness.keys(alice, ["backup", "export", file, "--json"] + backupFile)
        let summary = try exported.json()
        #expect(summary["device_id"] as? String == alice.deviceID)
        #expect((summary["bytes"] as? Int ?? 0) > 1000)
        #expect(exported.standardError.contains("deriving the backup key"))
        try await harness.keys(alice, ["backup", "export", file] + backupFile).expectFailure(
            1, containing: ["already exists", "--force"])

        // The restored store lives elsewhere under its own passphrase.
        let restored = harness.scratch.path("elsewhere/alice.sqlite")
        let environment = ["UNCORD_E2EE_PASSPHRASE": "the new machine's passphrase"]
        func restore(_ source: String, _ extra: [String] = []) async throws -> Subprocess.Outcome {
            try await harness.keys(
                nil, ["backup", "import", source, "--store", restored] + extra, environment: environment)
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let truncated = harness.scratch.path("truncated.backup")
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: truncated))
        var altered = bytes
        altered[200] ^= 0x40
        let tampered = harness.scratch.path("tampered.backup")
        try altered.write(to: URL(fileURLWithPath: tampered))
        for source in [truncated, tampered] {
            try await restore(source, backupFile).expectFailure(
                1, containing: ["truncated or altered", "nothing was written"])
        }
        try await restore(file, ["--backup-passphrase-file", harness.scratch.path("pass")]).expectFailure(
            1, containing: ["wrong backup passphrase"])
        #expect(!FileManager.default.fileExists(atPath: restored))

        let imported = try await restore(file, backupFile + ["--json"])
        let status = try imported.json()
        #expect(status["device_id"] as? String == alice.deviceID)
        #expect(status["store"] as? String == restored)
        #expect(imported.standardError.contains("stop using the original copy"))
        try await restore(file, backupFile).expectFailure(1, containing: ["already exists", "--force"])

        // Bob writes after the backup; the restored store decrypts it and answers on the same sessions.
        try await world.send("after the backup", from: bob, to: alice)
        let store = ["--store", restored]
        let received = try await world.receive("after the backup", at: alice, environment: environment, store: store)
        #expect(received["author_id"] as? String == bob.userID)
        let token = ["UNCORD_SERVER": harness.serverURL ?? "", "UNCORD_TOKEN": "dev:\(alice.userID)"]
        let reply = try await harness.keys(
            nil, ["send", "--channel", world.channel, "--to", bob.userID, "--text", "from the restored store"] + store,
            environment: environment.merging(token) { $1 })
        reply.expectSuccess()
        _ = try await world.receive("from the restored store", at: bob)
    }

    @Test func rotatingTheIdentityAsksFirstAtATerminal() async throws {
        let script = try Subprocess.tool("script", package: "bsdutils")
        let world = try await World()
        let harness = world.harness
        let before = try harness.contents(of: world.alice)
        let command = [
            "UNCORD_SERVER=\(harness.serverURL ?? "")", "UNCORD_TOKEN=dev:\(world.alice.userID)", harness.cli.path,
            "identity", "rotate", "--store", harness.storePath("alice"), "--passphrase-file",
            harness.scratch.path("pass"),
        ].joined(separator: " ")
        for (answer, status) in [("no", Int32(1)), ("y", Int32(0))] {
            let session = try Subprocess.start(
                script, ["-qec", "env \(command)", "/dev/null"], environment: [:], in: harness.scratch)
            try await session.waitForOutput(
                containing: "Replace the account key and remove the other devices? [y/N] ", timeout: .seconds(30))
            // What rotation does is said before it acts (LINKED_DEVICES.md A5).
            for part in [
                "every other device of your account is removed from the server", "none is listed now",
                "Link again from this device", "must compare safety numbers with you again",
            ] {
                #expect(session.standardOutput.contains(part), "\(part)")
            }
            session.type(answer + "\n")
            let run = try await session.finish(timeout: .seconds(30))
            #expect(run.status == status, "\(run.standardOutput)")
            if answer == "no" {
                #expect(run.standardOutput.contains("was not confirmed, so nothing changed"))
                #expect(try harness.contents(of: world.alice) == before)
            } else {
                #expect(run.standardOutput.contains("identity key"))
                #expect(try harness.contents(of: world.alice) != before)
            }
        }
    }

    @Test func aLinkedDeviceRegistersAndRotatingTheAccountKeyRemovesItFromTheServer() async throws {
        let world = try await World()
        let harness = world.harness
        let alice = world.alice

        // Alice links a laptop from her first device; it registers with the account key.
        let (laptop, request) = try harness.makeWaitingStore("laptop", user: Self.alice)
        let approval = try await harness.keys(
            alice, ["link", "approve", request.text, "--code", request.linkCode, "--json"]
        ).json()
        try await harness.keys(
            laptop,
            [
                "link", "complete", try #require(approval["response"] as? String), "--confirmation-code",
                try #require(approval["confirmation_code"] as? String), "--prekeys", "5",
            ]
        ).expectSuccess()
        let registered = try await harness.keys(laptop, ["register", "--json"]).json()
        let status = try await harness.keys(alice, ["status", "--json"]).json()
        #expect(registered["identity_key"] as? String == status["identity_key"] as? String)
        #expect(try await listedDevices(of: alice, at: harness).sorted() == [alice.deviceID, laptop.deviceID].sorted())

        // Rotating says, before it acts, that the laptop goes; then the server lists this device alone.
        let rotation = try await harness.keys(alice, ["identity", "rotate", "--yes", "--json"])
        let rotated = try rotation.json()
        #expect(rotated["removed_devices"] as? [String] == [laptop.deviceID])
        #expect(rotation.standardError.contains("1 listed now: \(laptop.deviceID)"), "\(rotation.standardError)")
        #expect(rotation.standardError.contains("must compare safety numbers with you again"))
        #expect(try await listedDevices(of: alice, at: harness) == [alice.deviceID])
    }

    /// The device ids `GET /users/@me/devices` lists for `device`'s user.
    private func listedDevices(of device: KeysHarness.Device, at harness: KeysHarness) async throws -> [String] {
        let server = try #require(harness.serverURL)
        let url = try #require(URL(string: "\(server)/api/v1/users/@me/devices"))
        var request = URLRequest(url: url)
        request.setValue("Bearer dev:\(device.userID)", forHTTPHeaderField: "Authorization")
        let (body, _) = try await URLSession.shared.data(for: request)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "\(body)")
        let devices = try #require(object["data"] as? [[String: Any]], "\(object)")
        return devices.compactMap { $0["device_id"] as? String }
    }

    /// The text `zbarimg` reads from an image.
    private func zbarimg(_ path: String, in scratch: Scratch) async throws -> String {
        let tool = try Subprocess.tool("zbarimg", package: "zbar-tools")
        let run = try await Subprocess.start(tool, ["--raw", "-q", path], environment: [:], in: scratch)
            .finish(timeout: .seconds(30))
        #expect(run.status == 0, "zbarimg found no code: \(run.standardError)")
        return run.standardOutput.trimmingCharacters(in: .newlines)
    }
}
