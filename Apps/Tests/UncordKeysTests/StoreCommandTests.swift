import Foundation
import Testing
import UncordCrypto
import UncordRatchet
import UncordStore
import UncordTestSupport

/// `uncord-keys init` and `status`, run as the built executable (issue 4, item 8).
///
/// Serialized: each run derives the store key with Argon2id's moderate limits (256 MiB).
@Suite(.serialized)
struct StoreCommandTests {
    static let user = "0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11"
    static let statusKeys: Set<String> = [
        "user_id", "device_id", "identity_key", "signed_pre_key", "one_time_pre_keys", "peers", "sessions", "outbox",
        "schema_version",
    ]

    let cli: URL
    let scratch: Scratch

    init() throws {
        cli = try Subprocess.executable("uncord-keys")
        scratch = try Scratch("uncord-keys-cli")
        try Data("correct horse battery staple\n".utf8).write(to: scratch.url.appendingPathComponent("passphrase"))
    }

    /// Runs `uncord-keys` with only `HOME` (the scratch directory) and `extra` in its environment.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Subprocess.Outcome {
        try Subprocess.run(cli, arguments, environment: extra, in: scratch)
    }

    var storeArguments: [String] {
        ["--store", scratch.path("store.sqlite"), "--passphrase-file", scratch.path("passphrase")]
    }

    @Test func initThenStatusJSONShowsTheNewDevice() throws {
        let created = try run(["init", "--user", Self.user, "--label", "laptop", "--prekeys", "7"] + storeArguments)
        #expect(created.status == 0, "\(created.standardError)")
        #expect(created.standardOutput.contains(Self.user))

        let status = try run(["status", "--json"] + storeArguments)
        #expect(status.status == 0, "\(status.standardError)")
        let lines = status.standardOutput.split(separator: "\n")
        try #require(lines.count == 1, "one JSON object on one line, got \(status.standardOutput)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        #expect(Set(object.keys) == Self.statusKeys)
        #expect(object["user_id"] as? String == Self.user)
        let device = try #require(object["device_id"] as? String)
        #expect(UUID(uuidString: device) != nil && device == device.lowercased())
        #expect(created.standardOutput.contains(device))
        let identity = try #require(object["identity_key"] as? String)
        #expect(!identity.hasSuffix("="))
        #expect(try Base64.decode(identity).count == 32)
        #expect(created.standardOutput.contains(identity))
        let signed = try #require(object["signed_pre_key"] as? [String: Any])
        #expect(Set(signed.keys) == ["id", "created_at"])
        #expect(signed["id"] as? Int == 1)
        let createdAt = try #require(signed["created_at"] as? String)
        #expect(
            (try? Date(createdAt, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) != nil,
            "created_at is not RFC 3339 with a time zone: \(createdAt)")
        let oneTime = try #require(object["one_time_pre_keys"] as? [String: Any])
        #expect(Set(oneTime.keys) == ["pending", "published"])
        #expect(oneTime["pending"] as? Int == 7)
        #expect(oneTime["published"] as? Int == 0)
        for key in ["peers", "sessions", "outbox"] { #expect(object[key] as? Int == 0, "\(key)") }
        #expect((object["schema_version"] as? Int ?? 0) >= 1)

        let text = try run(["status"] + storeArguments)
        #expect(text.status == 0)
        for value in [Self.user, device, identity, "7 pending, 0 published"] {
            #expect(text.standardOutput.contains(value), "status text lacks \(value)")
        }
    }

    @Test func initRefusesAnExistingStore() throws {
        #expect(try run(["init", "--user", Self.user] + storeArguments).status == 0)
        let before = try run(["status", "--json"] + storeArguments).standardOutput

        let again = try run(["init", "--user", Self.user] + storeArguments)
        #expect(again.status == 1)
        #expect(again.errorLines.count == 1)
        #expect(again.standardError.hasPrefix("error: a store already exists at \(scratch.path("store.sqlite"))"))
        #expect(try run(["status", "--json"] + storeArguments).standardOutput == before)
    }

    @Test func aWrongPassphraseIsOneLineAndExitOne() throws {
        #expect(try run(["init", "--user", Self.user] + storeArguments).status == 0)
        try Data("Tr0ub4dor&3\n".utf8).write(to: scratch.url.appendingPathComponent("wrong"))

        let status = try run([
            "status", "--store", scratch.path("store.sqlite"), "--passphrase-file", scratch.path("wrong"),
        ])
        #expect(status.status == 1)
        #expect(status.standardOutput.isEmpty)
        #expect(status.errorLines.count == 1)
        #expect(status.standardError.hasPrefix("error: wrong passphrase"))
        #expect(!status.standardError.contains("Tr0ub4dor"))
    }

    @Test func aMissingPassphraseSaysHowToGiveOne() throws {
        let created = try run(["init", "--user", Self.user, "--store", scratch.path("store.sqlite")])
        #expect(created.status == 1)
        #expect(created.errorLines.count == 1)
        #expect(created.standardError.hasPrefix("error: no passphrase given"))
        #expect(created.standardError.contains("--passphrase-file"))
        #expect(created.standardError.contains("UNCORD_E2EE_PASSPHRASE"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("store.sqlite")))
    }

    @Test func theEnvironmentPassphraseEqualsTheFileWithoutItsNewline() throws {
        let environment = ["UNCORD_E2EE_PASSPHRASE": "correct horse battery staple"]
        let created = try run(
            ["init", "--user", Self.user, "--store", scratch.path("store.sqlite")], environment: environment)
        #expect(created.status == 0, "\(created.standardError)")
        let status = try run(["status"] + storeArguments)
        #expect(status.status == 0, "\(status.standardError)")
    }

    @Test func theDefaultStoreLivesInAPrivateDirectoryUnderHome() throws {
        let created = try run(["--passphrase-file", scratch.path("passphrase"), "init", "--user", Self.user])
        #expect(created.status == 0, "\(created.standardError)")
        let directory = scratch.path(".local/share/uncord-e2ee")
        #expect(FileManager.default.fileExists(atPath: directory + "/store.sqlite"))
        let mode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(try run(["status", "--passphrase-file", scratch.path("passphrase")]).status == 0)
    }

    @Test func aStoreOpenInAnotherProcessIsSharedButNotReplacedOrRotated() throws {
        let path = scratch.path("store.sqlite")
        let holder: SQLiteStore? = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()),
            key: .passphrase(SecureBytes(copying: Array("correct horse battery staple".utf8)), parameters: .minimum),
            oneTimePreKeys: 1)
        #expect(holder != nil)

        // Issue 15: commands share a store another process has open.
        let shared = try run(["status"] + storeArguments)
        #expect(shared.status == 0, "\(shared.standardError)")
        let exported = try run(
            ["backup", "export", scratch.path("backup"), "--backup-passphrase-file", scratch.path("passphrase")]
                + storeArguments)
        #expect(exported.status == 0, "\(exported.standardError)")

        // Replacing it is refused with one clear line, and changes nothing.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let replaced = try run(
            [
                "backup", "import", scratch.path("backup"), "--force", "--backup-passphrase-file",
                scratch.path("passphrase"),
            ] + storeArguments)
        #expect(replaced.status == 1)
        #expect(replaced.errorLines.filter { $0.hasPrefix("error: ") }.count == 1, "\(replaced.standardError)")
        #expect(replaced.standardError.contains("error: the store is in use by another process"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        withExtendedLifetime(holder) {}
    }

    @Test func noStoreSaysHowToCreateOne() throws {
        let status = try run(["status"] + storeArguments)
        #expect(status.status == 1)
        #expect(status.standardError.hasPrefix("error: no store at"))
        #expect(status.standardError.contains("uncord-keys init --user"))
    }
}
