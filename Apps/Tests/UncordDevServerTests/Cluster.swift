import Foundation
import Testing
import UncordCrypto
import UncordRatchet
import UncordStore
import UncordTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `uncord-devserver` and the devices of several users, every step its own process: each device is one
/// `uncord-keys` store, and every command, including a long-running `listen`, is the built executable.
final class Cluster: @unchecked Sendable {  // used from one test task at a time
    /// One device: a store of its own, acting for `user`.
    struct Device: Hashable, Sendable, CustomStringConvertible {
        let name: String
        let user: String
        var description: String { name }
    }

    /// A message line `listen --json` printed.
    struct Printed: Equatable {
        let event: String
        let messageID: String
        let channelID: String
        let authorID: String
        let body: String
    }

    static let passphrase = "correct horse battery staple"

    let scratch: Scratch
    let cli: URL
    /// The port the server listens on; a restart keeps it.
    private(set) var port = 0
    private(set) var server: Subprocess?

    init() throws {
        scratch = try Scratch()
        cli = try Subprocess.executable("uncord-keys")
    }

    /// A cluster with its server running, Alice and Bob created (each a store, registered) and their DM opened by
    /// Alice.
    static func aliceAndBob(
        serverOptions: [String] = []
    ) async throws -> (cluster: Cluster, alice: Device, bob: Device, channel: String) {
        let cluster = try Cluster()
        let alice = Device(name: "alice", user: UUID().uuidString.lowercased())
        let bob = Device(name: "bob", user: UUID().uuidString.lowercased())
        try await cluster.startServer(options: serverOptions)
        try await cluster.create([alice, bob])
        let channel = try await cluster.succeed(alice, ["dm", "open", bob.user])
        return (cluster, alice, bob, channel)
    }

    /// The server's root URL.
    var serverURL: String { "http://127.0.0.1:\(port)" }

    /// Devices whose commands present no token: they use what `uncord-keys login` kept in their store.
    var signedIn: Set<Device> = []
    /// More environment for every command (a log level, say).
    var extraEnvironment: [String: String] = [:]

    /// Starts `uncord-devserver` on `port` (0: a free one) over the cluster's data directory. Many processes make
    /// many requests quickly: the real server's rate limit is off unless `options` sets it.
    func startServer(port requested: Int = 0, options: [String] = []) async throws {
        let process = try Subprocess.start(
            try Subprocess.executable("uncord-devserver"),
            ["--port", "\(requested)", "--data", scratch.path("server-data"), "--rate-limit", "0"] + options,
            environment: [:], in: scratch)
        let line = try await process.waitForLine(timeout: .seconds(60)) { $0.hasPrefix("listening on ") }
        let url = try #require(URL(string: String(line.dropFirst("listening on ".count))))
        port = try #require(url.port)
        server = process
    }

    /// Kills the server with SIGKILL and starts it again on the same port with the same data.
    func restartServer(options: [String] = []) async throws {
        server?.kill()
        try await startServer(port: port, options: options)
    }

    /// The environment a device's commands run with.
    func environment(_ device: Device, server url: String? = nil) -> [String: String] {
        var environment = [
            "UNCORD_SERVER": url ?? serverURL, "UNCORD_TOKEN": signedIn.contains(device) ? "" : "dev:\(device.user)",
        ]
        if let level = ProcessInfo.processInfo.environment["UNCORD_LOG_LEVEL"] {
            environment["UNCORD_LOG_LEVEL"] = level
        }
        return environment.merging(extraEnvironment) { _, extra in extra }
    }

    /// The store options of a device's commands.
    func storeArguments(_ device: Device) -> [String] {
        ["--store", scratch.path("\(device.name).sqlite"), "--passphrase-file", scratch.path("pass")]
    }

    /// Runs one `uncord-keys` command as `device` and waits for it.
    func keys(_ device: Device, _ arguments: [String], server url: String? = nil) async throws -> Subprocess.Outcome {
        let process = try Subprocess.start(
            cli, arguments + storeArguments(device), environment: environment(device, server: url), in: scratch)
        return try await process.finish(timeout: .seconds(60))
    }

    /// Runs a command that must succeed, and answers its standard output, trimmed.
    @discardableResult
    func succeed(
        _ device: Device, _ arguments: [String], server url: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let outcome = try await keys(device, arguments, server: url)
        try #require(
            outcome.status == 0, "\(device): \(arguments.joined(separator: " ")): \(outcome.standardError)",
            sourceLocation: sourceLocation)
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates and registers every device, a few at a time: each user's first device gets a new account key, the
    /// user's other devices are linked from it (`link request`, `approve`, `complete`, as a person would).
    func create(_ devices: [Device], preKeys: Int = 20) async throws {
        var firsts: [Device] = []
        for device in devices where !firsts.contains(where: { $0.user == device.user }) { firsts.append(device) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for device in firsts {
                group.addTask {
                    try await self.succeed(
                        device, ["init", "--user", device.user, "--label", device.name, "--prekeys", "\(preKeys)"])
                    try await self.succeed(device, ["register"])
                }
            }
            try await group.waitForAll()
        }
        for device in devices where !firsts.contains(device) {
            guard let first = firsts.first(where: { $0.user == device.user }) else { continue }
            try await link(device, from: first, preKeys: preKeys)
        }
    }

    /// Links `device` to the account of `existing` and registers it.
    func link(_ device: Device, from existing: Device, preKeys: Int = 20) async throws {
        let request = try Self.object(
            try await succeed(device, ["link", "request", "--user", device.user, "--label", device.name, "--json"]))
        let text = try #require(request["request"] as? String)
        let code = try #require(request["link_code"] as? String)
        let response = try Self.object(
            try await succeed(existing, ["link", "approve", text, "--code", code, "--json"]))
        let answer = try #require(response["response"] as? String)
        let confirmation = try #require(response["confirmation_code"] as? String)
        try await succeed(
            device, ["link", "complete", answer, "--confirmation-code", confirmation, "--prekeys", "\(preKeys)"])
        try await succeed(device, ["register"])
    }

    /// A JSON object printed by a command.
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Posts `text` from `device` and answers the message id.
    func send(
        _ device: Device, _ text: String, channel: String, to users: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let arguments = ["send", "--channel", channel, "--text", text] + users.flatMap { ["--to", $0] }
        let id = try await succeed(device, arguments, sourceLocation: sourceLocation)
        try #require(UUID(uuidString: id) != nil, "send printed \(id)", sourceLocation: sourceLocation)
        return id
    }

    /// Starts `listen --json` for `device` and waits for its session (`ready`).
    func listen(_ device: Device, server url: String? = nil, seconds: Int = 300) async throws -> Subprocess {
        let process = try Subprocess.start(
            cli, ["listen", "--json", "--for", "\(seconds)"] + storeArguments(device),
            environment: environment(device, server: url), in: scratch)
        _ = try await process.waitForLine(timeout: .seconds(60)) { $0.contains(#""event":"ready""#) }
        return process
    }

    /// The message lines a listener printed, in order.
    static func messages(in lines: [String]) -> [Printed] {
        lines.compactMap { line in
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let event = object["event"] as? String, event == "message",
                let id = object["message_id"] as? String, let channel = object["channel_id"] as? String,
                let author = object["author_id"] as? String, let body = object["body"] as? String
            else { return nil }
            return Printed(event: event, messageID: id, channelID: channel, authorID: author, body: body)
        }
    }

    /// The events a listener printed (`ready`, `resumed`, `message`, …), in order.
    static func events(in lines: [String]) -> [String] {
        lines.compactMap { line in
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return object["event"] as? String
        }
    }

    /// Waits until a listener has printed every one of `ids` as a message.
    func waitForMessages(_ ids: [String], from listener: Subprocess, _ device: Device) async throws {
        try await listener.waitUntil(timeout: .seconds(90), "\(device) to print \(ids)") { lines in
            Set(ids).isSubset(of: Set(Self.messages(in: lines).map(\.messageID)))
        }
    }

    /// Opens a device's store in this process (after its commands have ended) to read what it kept.
    func openStore(_ device: Device) throws -> SQLiteStore {
        try SQLiteStore.open(
            at: scratch.path("\(device.name).sqlite"),
            key: .passphrase(SecureBytes(copying: Array(Self.passphrase.utf8))))
    }

    /// One authenticated GET to the server (as `device`, for the message list), its `data` as JSON.
    func get(_ path: String, as user: String, device: String? = nil) async throws -> Any {
        var request = URLRequest(url: try #require(URL(string: "\(serverURL)/api/v1\(path)")))
        request.setValue("Bearer dev:\(user)", forHTTPHeaderField: "Authorization")
        if let device { request.setValue(device, forHTTPHeaderField: "X-Device-ID") }
        let (data, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200, "GET \(path)")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["data"])
    }

    /// One authenticated request with a JSON body; fails unless the server answers 2xx.
    func send(_ method: String, _ path: String, _ body: [String: Any], as user: String) async throws {
        var request = URLRequest(url: try #require(URL(string: "\(serverURL)/api/v1\(path)")))
        request.httpMethod = method
        request.setValue("Bearer dev:\(user)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        try #require(
            (200..<300).contains(status), "\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))")
    }

    /// Registers a device for `user` straight through the HTTP API, as a server that adds readers would: its own
    /// identity key, a signed pre-key signed with that key (valid under it), one-time pre-keys. Answers its id.
    func registerUnlinkedDevice(for user: String) async throws -> String {
        let device = UUID()
        let random = SystemRandom()
        let identity = X25519.PrivateKey.generate(using: random)
        let signed = X25519.PrivateKey.generate(using: random)
        let signature = try SignedPreKeySignature.sign(
            deviceID: device, keyID: 1, signedPreKey: signed.publicKey, identityKey: identity, using: random)
        let id = device.uuidString.lowercased()
        try await send(
            "POST", "/users/@me/devices",
            ["device_id": id, "label": "added by the server", "identity_key": Base64.encode(identity.publicKey.bytes)],
            as: user)
        try await send(
            "PUT", "/users/@me/devices/\(id)/signed-pre-key",
            ["key_id": 1, "public_key": Base64.encode(signed.publicKey.bytes), "signature": Base64.encode(signature)],
            as: user)
        try await send(
            "POST", "/users/@me/devices/\(id)/one-time-pre-keys",
            [
                "pre_keys": (1...5).map {
                    [
                        "key_id": $0,
                        "public_key": Base64.encode(X25519.PrivateKey.generate(using: random).publicKey.bytes),
                    ]
                }
            ], as: user)
        return id
    }

    deinit { server?.terminate() }
}
