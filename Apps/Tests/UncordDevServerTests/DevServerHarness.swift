import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization
import Testing
import UncordDevServer
import UncordProtocol
import UncordStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A development server running in this process on a free loopback port, with helpers to call it over HTTP.
struct RunningServer {
    let port: Int
    let task: Task<Void, any Error>

    /// Starts a server on port 0 with `directory` as its data folder; the real server's HTTP rate limit is off
    /// unless `rateLimit` is given (the tests make many requests quickly); the gateway's is the real one (120 a
    /// minute) unless `gatewayRateLimit` is given. The heartbeat interval is a minute unless `heartbeat` is given, so a
    /// test that drives the gateway by hand is never cut off for a late heartbeat when the machine is loaded.
    ///
    /// A server stopped a moment ago in this process may still hold the data folder's lock while its last
    /// connections wind down; the start is retried for a few seconds then. `now` is the wall clock its tokens are
    /// issued and checked against (a ``ManualWallClock`` lets a test move past an expiry without sleeping).
    static func start(
        directory: String, heartbeat: Duration = .seconds(60), rateLimit: Int = 0, gatewayRateLimit: Int = 120,
        publishedDefects: Bool = false, identifyTimeout: Duration = .seconds(30),
        accessTokenLifetime: Duration = .seconds(900), mfaCode: String? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) async throws -> RunningServer {
        let configuration = DevServerConfiguration(
            port: 0, dataDirectory: directory, heartbeatInterval: heartbeat, rateLimit: rateLimit,
            gatewayRateLimit: gatewayRateLimit, publishedDefects: publishedDefects, identifyTimeout: identifyTimeout,
            accessTokenLifetime: accessTokenLifetime, mfaCode: mfaCode)
        let deadline = ContinuousClock.now + .seconds(10)
        var opened: DevServer?
        while opened == nil {
            do {
                opened = try DevServer(configuration: configuration, logger: Self.quietLogger, now: now)
            } catch StoreError.storeInUse where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let server = try #require(opened)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await server.run { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return RunningServer(port: port, task: task)
    }

    /// A logger that stays silent: a cancelled server logs its shutdown as errors.
    static let quietLogger: Logger = {
        var logger = Logger(label: "devserver-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Stops the server and waits until it has let go of its data.
    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// One HTTP call: the status and the body.
    func call(
        _ method: String, _ path: String, user: UUID?, body: [UInt8]? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, body: [UInt8]) {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/api/v1\(path)"))
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let user { request.setValue("Bearer dev:\(user.uuidString)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = try #require(response as? HTTPURLResponse).statusCode
        return (status, Array(data))
    }

    /// A GET expected to succeed with 200, its `data` decoded.
    func get<T: Decodable>(
        _ type: T.Type, _ path: String, user: UUID, headers: [String: String] = [:]
    ) async throws -> T {
        let answer = try await call("GET", path, user: user, headers: headers)
        #expect(answer.status == 200, "GET \(path): \(String(decoding: answer.body, as: UTF8.self))")
        return try WireJSON.decode(DataEnvelope<T>.self, from: answer.body).data
    }

    /// A call with a body expected to succeed with `status`, its `data` decoded.
    func send<T: Decodable>(
        _ type: T.Type, _ status: Int, _ method: String, _ path: String, user: UUID, _ body: some Encodable
    ) async throws -> T {
        let answer = try await call(method, path, user: user, body: try WireJSON.encode(body))
        #expect(answer.status == status, "\(method) \(path): \(String(decoding: answer.body, as: UTF8.self))")
        return try WireJSON.decode(DataEnvelope<T>.self, from: answer.body).data
    }

    /// A call expected to fail with `status` and `code`.
    func expectError(
        _ status: Int, _ code: ServerErrorCode, _ method: String, _ path: String, user: UUID?, body: [UInt8]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let answer = try await call(method, path, user: user, body: body)
        #expect(answer.status == status, sourceLocation: sourceLocation)
        let error = try WireJSON.decode(ServerError.self, from: answer.body)
        #expect(error.code == code, sourceLocation: sourceLocation)
    }

    /// Registers a device with a random identity key, a signed pre-key and `preKeys` one-time pre-keys.
    func registerDevice(user: UUID, preKeys: Int = 0, firstKeyID: UInt32 = 1) async throws -> UUID {
        let device = UUID()
        let register = RegisterDeviceRequest(deviceID: device, identityKey: Self.bytes(32))
        let answer = try await call("POST", "/users/@me/devices", user: user, body: try WireJSON.encode(register))
        #expect(answer.status == 201, "\(String(decoding: answer.body, as: UTF8.self))")
        let signed = UploadSignedPreKeyRequest(keyID: 1, publicKey: Self.bytes(32), signature: Self.bytes(64))
        let spk = try await call(
            "PUT", "/users/@me/devices/\(device.uuidString)/signed-pre-key", user: user,
            body: try WireJSON.encode(signed))
        #expect(spk.status == 204)
        if preKeys > 0 {
            let keys = (0..<UInt32(preKeys)).map { OneTimePreKey(keyID: firstKeyID + $0, publicKey: Self.bytes(32)) }
            let upload = try await call(
                "POST", "/users/@me/devices/\(device.uuidString)/one-time-pre-keys", user: user,
                body: try WireJSON.encode(UploadOneTimePreKeysRequest(preKeys: keys)))
            #expect(upload.status == 204)
        }
        return device
    }

    static func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("devserver-\(UUID().uuidString)").path
    }
}

/// A scripted gateway client: the script reads frames and sends text over one WebSocket connection.
struct GatewayScript {
    /// Reads frames; `nil` when the connection closed.
    var next: () async throws -> Frame?
    /// Sends text.
    var send: (String) async throws -> Void
}

extension RunningServer {
    /// Connects to the gateway and runs `script`; returns the close code the server sent, if any.
    @discardableResult
    func gateway(_ script: @escaping @Sendable (GatewayScript) async throws -> Void) async throws -> Int? {
        let close = try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/api/v1/gateway", logger: Self.quietLogger
        ) { inbound, outbound, _ in
            var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            let gateway = GatewayScript(
                next: {
                    guard let message = try await iterator.next() else { return nil }
                    guard case .text(let text) = message else { return nil }
                    return try Frame(parsing: text)
                },
                send: { text in try await outbound.write(.text(text)) })
            try await script(gateway)
        }
        guard let close, case .unknown(let code) = close.closeCode else { return nil }
        return Int(code)
    }
}

/// A wall clock that stands still until a test moves it on: token expiries then depend on what the test does, never
/// on how long a loaded machine takes to do it.
final class ManualWallClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    /// The clock's time now.
    var now: Date { current.withLock { $0 } }

    /// The clock as the server takes it.
    var reading: @Sendable () -> Date { { self.now } }

    /// Moves the clock on by `interval`.
    func advance(by interval: Duration) {
        current.withLock { $0 += Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18 }
    }
}
