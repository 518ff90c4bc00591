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

/// The chaos run of issue 9: users with several devices exchange messages over the in-process development server
/// (real HTTP and WebSocket) while a seeded fault layer drops, duplicates, delays and reorders gateway frames, cuts
/// gateway connections (the client resumes), and fails HTTP requests before or after the server acts on them.
/// Then the chaos stops, every device opens a fresh gateway session (READY, with its catch-up), and the run waits
/// until every device has every message it should.
struct ChaosScenario {
    /// One logical send: the body is unique to it.
    struct Sent: Sendable {
        let body: String
        let channel: UUID
        let sender: DeviceAddress
    }

    /// What a run leaves for the test to check.
    struct Outcome {
        let devices: [ChaosDevice]
        let sent: [Sent]
        let members: [UUID: [UUID]]
        let tally: ChaosTally
        let errors: [any Error]
        let recorder: LogRecorder
        let passphrase: String
        let tokens: [String]
        /// Every device's events, by device name.
        let events: [String: [AppEvent]]
        /// Whether every device had everything before the deadline.
        let complete: Bool
        /// Per device, what a calm top-up of its one-time pre-keys to 20 threw after the run (`nil`: nothing).
        let topUpErrors: [String: String?]
        /// The secrets the devices held after bootstrap (one-time pre-keys are consumed during the run).
        let initialSecrets: SecretText

        /// The ids the server gave the same content as `id` (more than one when a post was repeated after its
        /// answer was lost), `id` included.
        func copies(of id: UUID) -> Set<UUID> {
            let created = devices.reduce(into: [UUID: String]()) { $0.merge($1.api.createdMessages) { a, _ in a } }
            guard let content = created[id] else { return [id] }
            return Set(created.filter { $0.value == content }.keys)
        }

        /// How many messages the server stored more than once.
        var serverCopies: Int {
            let created = devices.reduce(into: [UUID: String]()) { $0.merge($1.api.createdMessages) { a, _ in a } }
            return created.count - Set(created.values).count
        }

        /// The messages `device` must decrypt: every send to a channel of its user, by another device.
        func expected(at device: ChaosDevice) -> [String] {
            sent.filter { $0.sender != device.address && members[$0.channel]?.contains(device.address.user) == true }
                .map(\.body)
        }
    }

    let seed: UInt64
    let messagesPerDevice: Int
    let directory: Scratch

    /// The seed from `UNCORD_CHAOS_SEED`, if set.
    static var seedFromEnvironment: UInt64? {
        ProcessInfo.processInfo.environment["UNCORD_CHAOS_SEED"].flatMap { UInt64($0) }
    }

    func run() async throws -> Outcome {
        // The devices' HTTP connections are their own, shut down before the server stops: a connection left idle
        // in the shared client's pool (for up to ten minutes) would hold the server's shutdown as long.
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            return try await run(http: http)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The run, its devices' HTTP calls made with `http`, which it shuts down once they are done.
    private func run(http: HTTPClient) async throws -> Outcome {
        let random = ChaosRandom(seed: seed)
        let tally = ChaosTally()
        let recorder = LogRecorder()
        let stages = StageClock("chaos: seed \(seed)", recorder: recorder)
        let server = try DevServer(
            configuration: .init(
                port: 0, dataDirectory: directory.path("server"), heartbeatInterval: .seconds(1), rateLimit: 0),
            logger: recorder.logger("devserver"))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let serverTask = Task { try await server.run { port in portContinuation.yield(port) } }
        defer { serverTask.cancel() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())

        // Alice on two devices, Bob, Carol; a passphrase-sealed store for one of them, raw keys for the rest.
        let passphrase = "chaos passphrase \(seed) — correct horse battery staple"
        let (alice, bob, carol) = (UUID(), UUID(), UUID())
        let plan: [(String, UUID)] = [
            ("alice-laptop", alice), ("alice-phone", alice), ("bob-phone", bob), ("carol", carol),
        ]
        var devices: [ChaosDevice] = []
        for (index, (name, user)) in plan.enumerated() {
            let address = DeviceAddress(user: user, device: UUID())
            let key: StoreKeySource =
                index == 0
                ? .passphrase(SecureBytes(copying: Array(passphrase.utf8)))
                : .rawKey(SecureBytes(random: 32, using: SystemRandom()))
            // Alice's phone is linked to her laptop: it holds her account key (LINKED_DEVICES.md A1).
            let accountKey = try devices.first { $0.address.user == user }?.store.localIdentity().keyPair
            let store = try SQLiteStore.create(
                at: directory.path("\(name).sqlite"), device: address, label: name, key: key, oneTimePreKeys: 20,
                accountKey: accountKey)
            let device = try await ChaosDevice(
                name: name, address: address, store: store, serverPort: port, random: random.fork(UInt64(index)),
                tally: tally, http: http, logger: recorder.logger(name))
            try await device.engine.bootstrap()
            devices.append(device)
        }

        stages.mark("set-up", next: "first READY")
        var initialSecrets = SecretText()
        for device in devices { try initialSecrets.addKeys(of: device.store, device.name) }

        // Two channels: Alice and Bob's DM, and a group of all three.
        let direct = try await devices[0].api.inner.createDMChannel(.direct(recipientID: bob)).id
        let group = try await devices[0].api.inner.createDMChannel(.group(name: "chaos", recipients: [bob, carol])).id
        let members: [UUID: [UUID]] = [direct: [alice, bob], group: [alice, bob, carol]]
        for device in devices {
            for (channel, users) in members where users.contains(device.address.user) {
                try await device.engine.rememberChannel(channel, members: users)
            }
            try device.connect()
        }
        try await waitUntil("every device's first READY", timeout: .seconds(30)) {
            for device in devices where await !device.events.sawReady(after: 0) { return false }
            return true
        }

        stages.mark("first READY", next: "chaos")
        // Chaos: every device sends concurrently while the faults and the connection cuts go on.
        for device in devices {
            device.api.set(enabled: true)
            await device.faults.set(enabled: true)
        }
        let cutter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: random.milliseconds(200, 900))
                let device = devices[random.below(devices.count)]
                await device.relay.cut()
                tally.count("connections cut")
                try? await Task.sleep(for: random.milliseconds(50, 500))
                try await device.relay.restore()
            }
        }
        // Other clients fetch bundles meanwhile, using up one-time pre-keys, so KEY_BUNDLE_LOW keeps the devices
        // replenishing under chaos too.
        let fetchingDevice = devices[3]
        let fetcher = Task {
            let users = [alice, bob, carol]
            while !Task.isCancelled {
                try? await Task.sleep(for: random.milliseconds(20, 80))
                _ = try? await fetchingDevice.api.inner.keyBundle(of: users[random.below(users.count)])
                tally.count("bundles fetched by others")
            }
        }
        let (count, seed) = (messagesPerDevice, self.seed)
        let sends = try await withThrowingTaskGroup(of: ([Sent], [any Error]).self) { group in
            for (index, device) in devices.enumerated() {
                let own = random.fork(100 + UInt64(index))
                let channels = members.filter { $0.value.contains(device.address.user) }.keys.sorted {
                    $0.uuidString < $1.uuidString
                }
                group.addTask {
                    var sent: [Sent] = []
                    var errors: [any Error] = []
                    for number in 0..<count {
                        try await Task.sleep(for: own.milliseconds(10, 250))
                        let channel = channels[own.below(channels.count)]
                        let body =
                            "chaos \(seed): message \(number) from \(device.name), \(UUID().uuidString.prefix(8))"
                        let others = (members[channel] ?? []).filter { $0 != device.address.user }
                        errors += try await device.sendReliably(body, channel: channel, to: others)
                        sent.append(Sent(body: body, channel: channel, sender: device.address))
                    }
                    return (sent, errors)
                }
            }
            var all: [([Sent], [any Error])] = []
            for try await result in group { all.append(result) }
            return all
        }
        cutter.cancel()
        fetcher.cancel()
        _ = await cutter.result
        _ = await fetcher.result

        stages.mark("chaos", next: "calm")
        // Calm: the faults stop, held frames are delivered, every device opens a fresh session and catches up.
        for device in devices {
            device.api.set(enabled: false)
            await device.faults.set(enabled: false)
            try await device.relay.restore()
        }
        var marks: [Int] = []
        for device in devices {
            await device.disconnect()
            marks.append(await device.events.events.count)
            try device.connect()
        }
        let sent = sends.flatMap(\.0)
        var outcome = Outcome(
            devices: devices, sent: sent, members: members, tally: tally, errors: sends.flatMap(\.1),
            recorder: recorder, passphrase: passphrase, tokens: devices.map(\.token), events: [:], complete: false,
            topUpErrors: [:], initialSecrets: initialSecrets)
        let complete = await waitUntilTrue(timeout: .seconds(90)) {
            for (index, device) in devices.enumerated() {
                guard await device.events.sawReady(after: marks[index]) else { return false }
                let bodies = Set(await device.events.messageBodies)
                if !Set(outcome.expected(at: device)).isSubset(of: bodies) { return false }
            }
            return true
        }
        stages.mark("calm", next: "top-up")
        // A moment more, so that a late duplicate would still show; then each device tops its one-time pre-keys up,
        // which must work once the network is calm whatever the chaos left pending.
        try await Task.sleep(for: .milliseconds(500))
        var topUpErrors: [String: String?] = [:]
        for device in devices {
            do {
                _ = try await device.engine.replenishOneTimePreKeys(target: 20)
                topUpErrors[device.name] = .some(nil)
            } catch {
                topUpErrors[device.name] = "\(error)"
            }
        }
        stages.mark("top-up", next: "disconnect")
        var events: [String: [AppEvent]] = [:]
        for device in devices {
            await device.disconnect()
            events[device.name] = await device.events.events
            await device.relay.close()
        }
        outcome = Outcome(
            devices: devices, sent: sent, members: members, tally: tally, errors: outcome.errors, recorder: recorder,
            passphrase: passphrase, tokens: outcome.tokens, events: events, complete: complete,
            topUpErrors: topUpErrors, initialSecrets: initialSecrets)
        try await http.shutdown()
        stages.mark("disconnect", next: "server stop")
        serverTask.cancel()
        _ = await serverTask.result
        stages.mark("server stop", next: "report")
        stages.report()
        return outcome
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; answers whether it held.
func waitUntilTrue(timeout: Duration, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

/// Polls `condition` until it holds; throws after `timeout`.
func waitUntil(_ what: String, timeout: Duration, _ condition: () async -> Bool) async throws {
    guard await waitUntilTrue(timeout: timeout, condition) else { throw ChaosFailure("timed out waiting for \(what)") }
}

/// How long each stage of a run took, reported on standard error at once (not buffered), so that a run that hangs
/// shows where: a stage still running after a minute is reported every minute with the run's last log lines.
final class StageClock: Sendable {
    private struct State {
        var stage = "set-up"
        var started = ContinuousClock.now
        var done: [String] = []
    }

    /// The state, shared with the watchdog (which must not keep the clock alive).
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let title: String
    private let shared = Shared()
    private let watchdog: Task<Void, Never>

    /// Starts timing the first stage; `recorder`'s last lines are shown for a stage that runs long.
    init(_ title: String, recorder: LogRecorder) {
        self.title = title
        let shared = self.shared
        watchdog = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                let (stage, started) = shared.state.withLock { ($0.stage, $0.started) }
                let running = ContinuousClock.now - started
                guard !Task.isCancelled, running >= .seconds(60) else { continue }
                let recent = recorder.all.suffix(40).joined(separator: "\n  ")
                Self.write(
                    "\(title): stage \"\(stage)\" still running after \(Self.seconds(running)); last log lines:\n  "
                        + recent)
            }
        }
    }

    deinit { watchdog.cancel() }

    /// Ends the current stage, which was `name`, and starts `next`.
    func mark(_ name: String, next: String) {
        let now = ContinuousClock.now
        let took = shared.state.withLock { state in
            let took = now - state.started
            state.done.append("\(name) \(Self.seconds(took))")
            state.stage = next
            state.started = now
            return took
        }
        if took > .seconds(30) { Self.write("\(title): slow stage: \(name) \(Self.seconds(took))") }
    }

    /// Stops the watchdog and writes every stage's time.
    func report() {
        watchdog.cancel()
        Self.write("\(title): stages: \(shared.state.withLock { $0.done.joined(separator: ", ") })")
    }

    private static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1f s", seconds)
    }

    private static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
