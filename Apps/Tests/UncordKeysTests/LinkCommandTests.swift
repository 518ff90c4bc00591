import Foundation
import Testing
import UncordCrypto
import UncordRatchet
import UncordTestSupport

@testable import UncordStore

/// `uncord-keys link request`, `link approve` and `link complete` (LINKED_DEVICES.md A4) as the built executable: a
/// round trip between two stores, and every refusal — each one line that changes nothing, a new store left waiting.
///
/// Serialized: the runs share two cores with the other suites. The waiting stores are made in-process with
/// Argon2id's minimum limits except where `link request` itself is what a test is about.
@Suite(.serialized)
struct LinkCommandTests {
    static let account = UUID(uuidString: "6f1c2a4e-0000-4000-8000-00000000a11c") ?? UUID()
    static let carol = UUID(uuidString: "9d1e4b7a-0000-4000-8000-0000000ca201") ?? UUID()
    static let dave = UUID(uuidString: "9d1e4b7a-0000-4000-8000-00000000da4e") ?? UUID()
    static let channel = UUID(uuidString: "803801ab-dfdf-47ca-a005-1992ae2bccb9") ?? UUID()

    /// An existing device of the account with two pins (one verified) and one channel.
    private func existingDevice(_ harness: KeysHarness) throws -> KeysHarness.Device {
        let old = try harness.makeStore("old", user: Self.account, prekeys: 3)
        try harness.pin(
            X25519.PrivateKey.generate(using: SystemRandom()).publicKey, of: Self.carol, trust: .verified, in: old)
        try harness.pin(
            X25519.PrivateKey.generate(using: SystemRandom()).publicKey, of: Self.dave, trust: .unverified, in: old)
        try harness.open(old).rememberMembers([Self.account, Self.carol, Self.dave], of: Self.channel)
        return old
    }

    /// The keys of a JSON object.
    private func keys(_ object: [String: Any]) -> Set<String> { Set(object.keys) }

    @Test func aNewDeviceIsLinkedWithTheAccountKeyPinsAndChannels() async throws {
        let harness = try KeysHarness()
        let old = try existingDevice(harness)
        let path = harness.storePath("new")
        let pass = ["--passphrase-file", harness.scratch.path("pass")]

        // The new device: its store waits, with a request shown as text, link code and device id.
        let requested = try await harness.keys(
            nil, ["link", "request", "--user", Self.account.wire, "--label", "phone", "--json", "--store", path] + pass)
        let request = try requested.json()
        #expect(keys(request) == ["request", "link_code", "device_id"])
        let text = try #require(request["request"] as? String)
        let linkCode = try #require(request["link_code"] as? String)
        let deviceID = try #require(request["device_id"] as? String)
        #expect(text.hasPrefix("UEDM1-LINK:"))
        #expect(try LinkRequest(text: text).linkCode == linkCode && linkCode.count == 6)
        #expect(try LinkRequest(text: text).deviceID.wire == deviceID)
        let new = KeysHarness.Device(name: "new", user: Self.account, device: try #require(UUID(uuidString: deviceID)))
        try await harness.keys(new, ["status"]).expectFailure(1, containing: ["waits to be linked", "link complete"])

        // The existing device: approves with the link code; nothing is stored there.
        let before = try harness.contents(of: old)
        let approved = try await harness.keys(old, ["link", "approve", text, "--code", linkCode, "--json"])
        let approval = try approved.json()
        #expect(keys(approval) == ["response", "confirmation_code"])
        #expect(approved.standardError.contains("never through a server or a chat"))
        let response = try #require(approval["response"] as? String)
        let confirmation = try #require(approval["confirmation_code"] as? String)
        #expect(response.hasPrefix("UEDM1-LINKED:") && confirmation.count == 6)
        #expect(try harness.contents(of: old) == before)

        // The new device: completes with the confirmation code and is a device of the account.
        let completed = try await harness.keys(
            new, ["link", "complete", response, "--confirmation-code", confirmation, "--prekeys", "4", "--json"]
        ).json()
        #expect(keys(completed) == ["user_id", "device_id", "identity_key", "pins", "channels"])
        let oldStatus = try await harness.keys(old, ["status", "--json"]).json()
        #expect(completed["user_id"] as? String == Self.account.wire)
        #expect(completed["device_id"] as? String == deviceID)
        #expect(completed["identity_key"] as? String == oldStatus["identity_key"] as? String)
        #expect(completed["pins"] as? Int == 2 && completed["channels"] as? Int == 1)

        let status = try await harness.keys(new, ["status", "--json"]).json()
        #expect(status["identity_key"] as? String == oldStatus["identity_key"] as? String)
        #expect(status["device_id"] as? String == deviceID && status["user_id"] as? String == Self.account.wire)
        #expect(status["peers"] as? Int == 2)
        #expect((status["one_time_pre_keys"] as? [String: Any])?["pending"] as? Int == 4)
        let peers = try #require(
            try await harness.keys(new, ["peers", "list", "--json"]).json()["peers"] as? [[String: Any]])
        let trust = Dictionary(
            uniqueKeysWithValues: peers.compactMap { peer in
                (peer["user_id"] as? String).map { ($0, peer["trust"] as? String ?? "") }
            })
        #expect(trust[Self.carol.wire] == "verified" && trust[Self.dave.wire] == "unverified")
        do {
            let store = try SQLiteStore.open(
                at: path, key: .passphrase(SecureBytes(copying: Array(Scratch.passphrase.utf8))))
            #expect(Set(try store.members(of: Self.channel)) == [Self.account, Self.carol, Self.dave])
            #expect(try store.localIdentity().keyPair.secret == (try harness.open(old).localIdentity().keyPair.secret))
        }

        // The same response a second time is refused, and changes nothing.
        let linked = try harness.contents(of: new)
        try await harness.keys(new, ["link", "complete", response, "--confirmation-code", confirmation])
            .expectFailure(1, containing: ["holds a device already", "used once"])
        #expect(try harness.contents(of: new) == linked)
        // So is a new request on a store that holds a device.
        try await harness.keys(new, ["link", "request"]).expectFailure(1, containing: ["holds a device already"])
        #expect(try harness.contents(of: new) == linked)
    }

    @Test func eachStepPrintsItsTextCodeAndQRCode() async throws {
        let harness = try KeysHarness()
        let old = try existingDevice(harness)
        let path = harness.storePath("new")
        let pass = ["--passphrase-file", harness.scratch.path("pass")]

        let shown = try await harness.keys(nil, ["link", "request", "--store", path] + pass).expectSuccess()
        #expect(shown.contains("Created a store waiting to be linked at \(path)"))
        let text = try #require(shown.split(separator: "\n").first { $0.hasPrefix("UEDM1-LINK:") }.map(String.init))
        let request = try LinkRequest(text: text)
        #expect(shown.contains("link code          \(request.linkCode)"))
        #expect(shown.contains("\u{2588}") && shown.contains("never through a server or a chat"))
        #expect(shown.contains("uncord-keys link approve '\(text)'"))
        #expect(shown.contains("uncord-keys link complete RESPONSE --store \(path)"))

        // A second request replaces the first and says so; the first can no longer be answered.
        let again = try await harness.keys(nil, ["link", "request", "--store", path] + pass).expectSuccess()
        #expect(again.contains("replaces the earlier one"))
        let second = try #require(again.split(separator: "\n").first { $0.hasPrefix("UEDM1-LINK:") }.map(String.init))
        #expect(second != text)
        let new = KeysHarness.Device(name: "new", user: Self.account, device: try LinkRequest(text: second).deviceID)

        let approved = try await harness.keys(
            old, ["link", "approve", second, "--code", try LinkRequest(text: second).linkCode]
        ).expectSuccess()
        let response = try #require(
            approved.split(separator: "\n").first { $0.hasPrefix("UEDM1-LINKED:") }.map(String.init))
        let confirmation = try #require(
            approved.split(separator: "\n").first { $0.hasPrefix("confirmation code") }?.split(separator: " ").last
                .map(String.init))
        #expect(approved.contains("\u{2588}") && approved.contains("never through a server or a chat"))
        #expect(approved.contains("uncord-keys link complete RESPONSE"))

        let completed = try await harness.keys(
            new, ["link", "complete", response, "--confirmation-code", confirmation]
        ).expectSuccess()
        #expect(completed.contains("Linked: this store is now a device of \(Self.account.wire)"))
        #expect(completed.contains("pins               2 copied (1 verified)"))
        #expect(completed.contains("uncord-keys register --store \(path)"))
    }

    @Test func wrongCodesAreRefusedByTheTrustPolicyAndNothingIsStored() async throws {
        let harness = try KeysHarness()
        let old = try existingDevice(harness)
        let (new, request) = try harness.makeWaitingStore("new", user: Self.account)
        let oldBefore = try harness.contents(of: old)

        let wrongLink =
            String(request.linkCode.reversed()) == request.linkCode ? "000001" : String(request.linkCode.reversed())
        try await harness.keys(old, ["link", "approve", request.text, "--code", wrongLink]).expectFailure(
            3, containing: ["refused by the trust policy", "link code", "nothing was made"])
        #expect(try harness.contents(of: old) == oldBefore)

        let approval = try await harness.keys(
            old, ["link", "approve", request.text, "--code", request.linkCode, "--json"]
        ).json()
        let response = try #require(approval["response"] as? String)
        let confirmation = try #require(approval["confirmation_code"] as? String)
        let waiting = try harness.contents(of: new)
        let wrong = confirmation == "123456" ? "654321" : "123456"
        try await harness.keys(new, ["link", "complete", response, "--confirmation-code", wrong]).expectFailure(
            3, containing: ["refused by the trust policy", "confirmation code", "still waits"])
        #expect(try harness.contents(of: new) == waiting)
        #expect(
            try SQLiteStore.pendingLinkRequest(at: harness.storePath("new"), key: KeysHarness.minimumKey) == request)

        // Still waiting, the store takes the right code afterwards.
        let linked = try await harness.keys(
            new, ["link", "complete", response, "--confirmation-code", confirmation, "--json"]
        ).json()
        #expect(linked["device_id"] as? String == request.deviceID.wire)
    }

    @Test func responsesThatAreNotForThisRequestAreRefusedAndNothingIsStored() async throws {
        let harness = try KeysHarness()
        let old = try existingDevice(harness)
        let (first, firstRequest) = try harness.makeWaitingStore("first", user: Self.account)
        let (other, otherRequest) = try harness.makeWaitingStore("other")

        func approve(_ request: LinkRequest) async throws -> (String, String) {
            let approval = try await harness.keys(
                old, ["link", "approve", request.text, "--code", request.linkCode, "--json"]
            ).json()
            return (
                try #require(approval["response"] as? String), try #require(approval["confirmation_code"] as? String)
            )
        }
        let (response, code) = try await approve(firstRequest)

        // A response made for another store's request.
        let otherBefore = try harness.contents(of: other)
        try await harness.keys(other, ["link", "complete", response, "--confirmation-code", code]).expectFailure(
            1, containing: ["did not authenticate", "made for another request", "nothing was stored"])
        #expect(try harness.contents(of: other) == otherBefore)

        // A tampered response: one character of the sealed payload changed.
        var characters = Array(response)
        let index = characters.count / 2
        characters[index] = characters[index] == "A" ? "B" : "A"
        let tampered = String(characters)
        let firstBefore = try harness.contents(of: first)
        try await harness.keys(first, ["link", "complete", tampered, "--confirmation-code", code]).expectFailure(
            1, containing: ["did not authenticate"])
        #expect(try harness.contents(of: first) == firstBefore)

        // A response to a request the store replaced since.
        let (_, replacing) = try harness.makeWaitingStore("first", user: Self.account)
        #expect(replacing != firstRequest)
        let replaced = try harness.contents(of: first)
        try await harness.keys(first, ["link", "complete", response, "--confirmation-code", code]).expectFailure(
            1, containing: ["did not authenticate"])
        #expect(try harness.contents(of: first) == replaced)

        // A response from another account than the one the request named.
        let (stranger, strangerRequest) = try harness.makeWaitingStore("stranger", user: Self.carol)
        let (strangerResponse, strangerCode) = try await approve(strangerRequest)
        let strangerBefore = try harness.contents(of: stranger)
        try await harness.keys(stranger, ["link", "complete", strangerResponse, "--confirmation-code", strangerCode])
            .expectFailure(1, containing: ["user_id is not the account", "nothing was stored"])
        #expect(try harness.contents(of: stranger) == strangerBefore)

        // A response that comes more than 10 minutes after the request.
        let (late, lateRequest) = try harness.makeWaitingStore("late", bootClock: { BootClock.seconds() - 700 })
        let (lateResponse, lateCode) = try await approve(lateRequest)
        try await harness.keys(late, ["link", "complete", lateResponse, "--confirmation-code", lateCode])
            .expectFailure(1, containing: ["expired", "link request --store"])
        try await harness.keys(late, ["status"]).expectFailure(1, containing: ["waits to be linked"])
        _ = otherRequest
    }

    @Test func badTextAndMisuseAreOneLineAndChangeNothing() async throws {
        let harness = try KeysHarness()
        let old = try existingDevice(harness)
        let (new, request) = try harness.makeWaitingStore("new")
        let oldBefore = try harness.contents(of: old)
        let newBefore = try harness.contents(of: new)

        let wellFormed = "UEDM1-LINKED:" + Base64URL.encode([UInt8(1)] + [UInt8](repeating: 7, count: 200))
        let usage: [(KeysHarness.Device, [String], [String])] = [
            (old, ["link", "approve", "UEDM1-LINK:AQ", "--code", "123456"], ["not a link request", "49 bytes"]),
            (old, ["link", "approve", "UEDM1-LINK:AAAA", "--code", "123456"], ["unsupported link format version 0"]),
            (old, ["link", "approve", "hello", "--code", "123456"], ["does not start with UEDM1-LINK:"]),
            (old, ["link", "approve", request.text], ["pass --code"]),
            (old, ["link", "approve", request.text, "--code", "12345"], ["--code must be the 6 digits"]),
            (new, ["link", "complete", request.text, "--confirmation-code", "123456"], ["this is a link request"]),
            (new, ["link", "complete", "UEDM1-LINKED:AQ", "--confirmation-code", "123456"], ["not a link response"]),
            (new, ["link", "complete", "UEDM1-LINKED:AQ==", "--confirmation-code", "1"], ["not a link response"]),
            (new, ["link", "complete", wellFormed], ["pass --confirmation-code"]),
            (new, ["link", "complete", wellFormed, "--confirmation-code", "12a456"], ["--confirmation-code must be"]),
            (new, ["link", "request", "--user", "nope"], ["--user must be a UUID"]),
        ]
        for (device, arguments, parts) in usage {
            try await harness.keys(device, arguments).expectFailure(2, containing: parts + ["--help`"])
        }

        // A store waiting to be linked refuses every other command, and says what to do.
        for command in [
            ["status"], ["peers", "list"], ["prekeys", "list"],
            ["link", "approve", request.text, "--code", request.linkCode],
        ] {
            try await harness.keys(new, command).expectFailure(
                1, containing: ["waits to be linked", "uncord-keys link approve", "uncord-keys link complete"])
        }
        // `link complete` with no store at all.
        try await harness.keys(
            nil,
            [
                "link", "complete", wellFormed, "--confirmation-code",
                "123456", "--store", harness.storePath("nobody"), "--passphrase-file", harness.scratch.path("pass"),
            ]
        ).expectFailure(1, containing: ["no store at", "waits for a link", "link request"])
        #expect(!FileManager.default.fileExists(atPath: harness.storePath("nobody")))
        #expect(try harness.contents(of: old) == oldBefore)
        #expect(try harness.contents(of: new) == newBefore)
    }

    @Test func theCodesAreComparedAtATerminal() async throws {
        let script = try Subprocess.tool("script", package: "bsdutils")
        let harness = try KeysHarness()
        let old = try existingDevice(harness)
        let (new, request) = try harness.makeWaitingStore("new")
        let pass = ["--passphrase-file", harness.scratch.path("pass")]

        func run(_ arguments: [String], answering answer: String, after prompt: String) async throws
            -> Subprocess.Outcome
        {
            let command = ([harness.cli.path] + arguments + pass).map { "'\($0)'" }.joined(separator: " ")
            let session = try Subprocess.start(
                script, ["-qec", command, "/dev/null"], environment: [:], in: harness.scratch)
            try await session.waitForOutput(containing: prompt, timeout: .seconds(30))
            session.type(answer + "\n")
            return try await session.finish(timeout: .seconds(30))
        }

        let oldBefore = try harness.contents(of: old)
        let approve = ["link", "approve", request.text, "--store", harness.storePath("old")]
        let prompt = "Does the new device show the link code \(request.linkCode)? [y/N] "
        let declined = try await run(approve, answering: "n", after: prompt)
        #expect(declined.status == 3, "\(declined.standardOutput)")
        #expect(declined.standardOutput.contains("link code          \(request.linkCode)"))
        #expect(declined.standardOutput.contains("nothing was made"))
        #expect(try harness.contents(of: old) == oldBefore)
        let approved = try await run(approve, answering: "y", after: prompt)
        #expect(approved.status == 0, "\(approved.standardOutput)")
        let response = try #require(
            approved.standardOutput.components(separatedBy: .newlines).first { $0.hasPrefix("UEDM1-LINKED:") })
        let code = try #require(
            approved.standardOutput.components(separatedBy: .newlines).first { $0.hasPrefix("confirmation code") }?
                .split(separator: " ").last.map(String.init))

        let complete = ["link", "complete", response, "--store", harness.storePath("new")]
        let question = "Does the approving device show the confirmation code \(code)? [y/N] "
        let waiting = try harness.contents(of: new)
        let refused = try await run(complete, answering: "", after: question)
        #expect(refused.status == 3, "\(refused.standardOutput)")
        #expect(refused.standardOutput.contains("2 pin(s) and 1 channel(s)"))
        #expect(refused.standardOutput.contains("the store still waits"))
        #expect(try harness.contents(of: new) == waiting)
        let linked = try await run(complete, answering: "yes", after: question)
        #expect(linked.status == 0, "\(linked.standardOutput)")
        #expect(linked.standardOutput.contains("uncord-keys register"))
    }
}

extension UUID {
    /// The UUID as the CLI prints it: lowercase.
    fileprivate var wire: String { uuidString.lowercased() }
}
