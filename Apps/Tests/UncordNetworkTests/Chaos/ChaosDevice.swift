import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Testing
import UncordClient
import UncordCrypto
import UncordDevServer
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Every app event one device's engine produced, in order.
actor EventLog {
    private(set) var events: [AppEvent] = []

    func append(_ new: [AppEvent]) { events += new }

    /// The bodies of the `.message` events.
    var messageBodies: [String] {
        events.compactMap { if case .message(let message) = $0 { message.payload.body } else { nil } }
    }

    /// Whether a READY has come through since `index`.
    func sawReady(after index: Int) -> Bool {
        events.dropFirst(index).contains {
            if case .passthrough(_, let frame) = $0 { frame?.op == .dispatch && frame?.type == .ready } else { false }
        }
    }
}

/// One device of the chaos run, wired as an app wires the engine: its store, the engine over a ``ChaosServerAPI``,
/// and a gateway client whose connection goes through its own ``LoopbackRelay`` (so it can be cut) and whose
/// frames pass the device's ``FrameFaults`` on their way to the engine's ``E2EEEngine/events(from:)``, in the
/// order they leave the fault layer.
final class ChaosDevice: Sendable {
    /// A gateway session, the task that passes its frames through the fault layer, and the one that collects the
    /// engine's events for them.
    struct Connection: Sendable {
        let gateway: GatewayClient
        let run: Task<Void, any Error>
        let pump: Task<Void, Never>
        let listen: Task<Void, Never>
    }

    let name: String
    let address: DeviceAddress
    let store: SQLiteStore
    let engine: E2EEEngine
    let api: ChaosServerAPI
    let relay: LoopbackRelay
    let faults: FrameFaults
    let events = EventLog()
    let token: String
    let logger: Logger
    private let connection = Mutex<Connection?>(nil)

    init(
        name: String, address: DeviceAddress, store: SQLiteStore, serverPort: Int, random: ChaosRandom,
        tally: ChaosTally, http: HTTPClient, logger: Logger
    ) async throws {
        self.name = name
        self.address = address
        self.store = store
        self.logger = logger
        token = "dev:\(address.user.uuidString.lowercased())"
        let base = try #require(URL(string: "http://127.0.0.1:\(serverPort)"))
        api = ChaosServerAPI(
            inner: HTTPServerAPI(baseURL: base, token: token, client: http, timeout: .seconds(10), logger: logger),
            random: random.fork(1), tally: tally)
        var configuration = E2EEConfiguration()
        configuration.deviceLabel = name
        configuration.oneTimePreKeyTarget = 20
        engine = try E2EEEngine(store: store, server: api, logger: logger, configuration: configuration)
        relay = try await LoopbackRelay.start(towards: "127.0.0.1", port: serverPort)
        faults = FrameFaults(random: random.fork(2), tally: tally)
    }

    /// Opens a new gateway session (Identify, so READY and its catch-up follow).
    func connect() throws {
        let url = try #require(URL(string: "http://127.0.0.1:\(relay.port)"))
        let gateway = GatewayClient(
            baseURL: url, token: token,
            configuration: GatewayConfiguration(
                helloTimeout: .seconds(2), initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(400)),
            logger: logger)
        let (faults, engine, events) = (self.faults, self.engine, self.events)
        let run = Task { try await gateway.run() }
        // The frames as they leave the fault layer; when the gateway's end, every frame it still holds follows.
        let (routed, input) = AsyncStream.makeStream(of: ReceivedFrame.self)
        let pump = Task {
            for await frame in gateway.frames {
                for out in await faults.route(frame) { input.yield(out) }
            }
            for frame in await faults.flush() { input.yield(frame) }
            input.finish()
        }
        let listen = Task {
            for await event in engine.events(from: routed) { await events.append([event]) }
        }
        connection.withLock { $0 = Connection(gateway: gateway, run: run, pump: pump, listen: listen) }
    }

    /// Ends the gateway session, hands the engine every frame the fault layer still holds, and waits for the
    /// engine's events for them.
    func disconnect() async {
        guard let current = connection.withLock({ $0 }) else { return }
        // Each step logged, so that a run that hangs here shows which (StageClock prints the last lines).
        logger.info("chaos test: stopping the gateway client")
        await current.gateway.stop()
        logger.info("chaos test: waiting for the gateway client's run to end")
        _ = await current.run.result
        logger.info("chaos test: waiting for the fault layer's last frames")
        await current.pump.value
        logger.info("chaos test: waiting for the engine's last events")
        await current.listen.value
        logger.info("chaos test: disconnected")
        connection.withLock { $0 = nil }
    }

    /// Encrypts, posts and acknowledges `text` as an app would: a failed preparation (nothing stored) is prepared
    /// again; a failed post is posted again with the same body, until the server answers.
    /// - Returns: the errors met on the way.
    func sendReliably(_ text: String, channel: UUID, to users: [UUID]) async throws -> [any Error] {
        var errors: [any Error] = []
        var prepared: PreparedMessage?
        for _ in 0..<200 {
            do {
                let ready: PreparedMessage
                if let prepared {
                    ready = prepared
                } else {
                    ready = try await engine.prepareMessage(text: text, channel: channel, participants: users)
                    prepared = ready
                }
                let message = try await api.sendMessage(channel: channel, body: ready.body)
                try await engine.markSent(ready, messageID: message.id)
                return errors
            } catch {
                errors.append(error)
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        throw ChaosFailure(
            "\(name) could not send \"\(text)\" in 200 attempts; last error: \(errors.last.map { "\($0)" } ?? "")")
    }
}

/// A chaos run that cannot go on.
struct ChaosFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
