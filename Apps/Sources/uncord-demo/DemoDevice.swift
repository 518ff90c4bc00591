import Foundation
import Logging
import Synchronization
import UncordClient
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

/// Readable names for device addresses, shared by every device's printer.
final class Names: Sendable {
    private let table = Mutex<[DeviceAddress: String]>([:])

    func set(_ name: String, for address: DeviceAddress) {
        table.withLock { $0[address] = name }
    }

    func name(of address: DeviceAddress) -> String {
        table.withLock { $0[address] } ?? "device \(address.device.uuidString.prefix(8).lowercased())"
    }

    /// The user part of a device's name ("bob" of "bob/phone").
    func name(ofUser user: UUID) -> String {
        let named = table.withLock { table in table.first { $0.key.user == user }?.value }
        return named.map { String($0.prefix { $0 != "/" }) } ?? "user \(user.uuidString.prefix(8).lowercased())"
    }
}

/// The events a device's engine produced, kept until the demo waits for them.
actor Inbox {
    private var events: [AppEvent] = []

    func append(_ new: [AppEvent]) {
        events += new
    }

    /// Removes and returns the first event `match` accepts.
    func take<T: Sendable>(_ match: @Sendable (AppEvent) -> T?) -> T? {
        for (index, event) in events.enumerated() {
            if let value = match(event) {
                events.remove(at: index)
                return value
            }
        }
        return nil
    }
}

/// One device of the demo: its own SQLite store, engine, HTTP client and gateway connection, with a task that
/// feeds every gateway frame to the engine in order and prints what comes out.
final class DemoDevice: Sendable {
    let name: String
    let address: DeviceAddress
    let engine: E2EEEngine
    let api: HTTPServerAPI
    let gateway: GatewayClient
    let inbox: Inbox
    let names: Names
    private let connection: Task<Void, any Error>
    private let pump: Task<Void, Never>

    private init(
        name: String, address: DeviceAddress, engine: E2EEEngine, api: HTTPServerAPI, gateway: GatewayClient,
        inbox: Inbox, names: Names, connection: Task<Void, any Error>, pump: Task<Void, Never>
    ) {
        self.names = names
        self.name = name
        self.address = address
        self.engine = engine
        self.api = api
        self.gateway = gateway
        self.inbox = inbox
        self.connection = connection
        self.pump = pump
    }

    /// Creates the device's store in `directory` — a new account key, or, with `linkingFrom`, linked to an existing
    /// device of the same account (LINKED_DEVICES.md A4, both screens' codes printed) — registers it (bootstrap)
    /// and connects its gateway through `gatewayURL` (the server itself, or a relay in front of it).
    static func start(
        name: String, address: DeviceAddress, storePath: String, server: URL, gatewayURL: URL,
        oneTimePreKeys: Int, names: Names, logger: Logger, linkingFrom existing: DemoDevice? = nil
    ) async throws -> DemoDevice {
        let storeKey = StoreKeySource.rawKey(SecureBytes(random: 32, using: SystemRandom()))
        let store: SQLiteStore
        var address = address
        if let existing {
            let request = try SQLiteStore.requestLink(
                at: storePath, user: existing.address.user, label: name, key: storeKey)
            address = DeviceAddress(user: existing.address.user, device: request.deviceID)
            say("[\(name)] shows \(request.text.prefix(24))… and link code \(request.linkCode)")
            let scanned = try LinkRequest(text: request.text)
            say("[\(existing.name)] scans it, shows link code \(scanned.linkCode): the person sees both match")
            let (response, code) = try await existing.engine.approveLink(scanned)
            say("[\(existing.name)] hands over the account key, pins and channels; confirmation code \(code)")
            let opened = try SQLiteStore.openLinkResponse(
                try LinkResponse(text: response.text), at: storePath, key: storeKey)
            say("[\(name)] confirmation code \(opened.confirmationCode): the person sees both match")
            store = try SQLiteStore.completeLink(opened, at: storePath, key: storeKey, oneTimePreKeys: oneTimePreKeys)
        } else {
            store = try SQLiteStore.create(
                at: storePath, device: address, label: name, key: storeKey, oneTimePreKeys: oneTimePreKeys)
        }
        names.set(name, for: address)
        let token = "dev:\(address.user.uuidString.lowercased())"
        let api = HTTPServerAPI(baseURL: server, token: token, timeout: .seconds(10), logger: logger)
        var configuration = E2EEConfiguration()
        configuration.deviceLabel = name
        configuration.oneTimePreKeyTarget = oneTimePreKeys
        let engine = try E2EEEngine(store: store, server: api, logger: logger, configuration: configuration)
        try await engine.bootstrap()
        let gateway = GatewayClient(
            baseURL: gatewayURL, token: token,
            configuration: GatewayConfiguration(initialBackoff: .milliseconds(200), maximumBackoff: .seconds(1)),
            logger: logger)
        let inbox = Inbox()
        let connection = Task { try await gateway.run() }
        let pump = Task {
            for await event in engine.events(from: gateway.frames) {
                show(event, at: name, own: address, names: names)
                await inbox.append([event])
            }
        }
        return DemoDevice(
            name: name, address: address, engine: engine, api: api, gateway: gateway, inbox: inbox, names: names,
            connection: connection, pump: pump)
    }

    /// Disconnects the gateway and waits for the feed to end.
    func shutdown() async {
        await gateway.stop()
        _ = await connection.result
        await pump.value
    }

    // MARK: Waiting

    /// Waits for the first event `match` accepts, polling the inbox; fails after `timeout`.
    func expect<T: Sendable>(
        _ what: String, timeout: Duration = .seconds(10), _ match: @escaping @Sendable (AppEvent) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = await inbox.take(match) { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoError.timeout("[\(name)] never got \(what)", timeout)
    }

    /// Waits for the gateway's READY (or RESUMED, with `resumed`).
    func expectSession(resumed: Bool = false) async throws {
        let wanted: DispatchEvent = resumed ? .resumed : .ready
        _ = try await expect(wanted.rawValue) { event -> Bool? in
            if case .passthrough(_, let frame) = event, frame?.op == .dispatch, frame?.type == wanted { return true }
            return nil
        }
    }

    /// Waits for the message with this text.
    @discardableResult
    func expectMessage(_ text: String, timeout: Duration = .seconds(10)) async throws -> DecryptedMessage {
        try await expect("the message \"\(text)\"", timeout: timeout) { event in
            if case .message(let message) = event, message.payload.body == text { return message }
            return nil
        }
    }

    // MARK: Sending

    /// Encrypts `text` for the channel's participants, posts it and acknowledges it; prints the send.
    @discardableResult
    func send(_ text: String, channel: UUID, to participants: [UUID]) async throws -> UUID {
        let prepared: PreparedMessage
        do {
            prepared = try await engine.prepareMessage(text: text, channel: channel, participants: participants)
        } catch {
            let events = await engine.takeUndelivered()
            for event in events { show(event, at: name, own: address, names: names) }
            await inbox.append(events)
            throw error
        }
        return try await post(prepared)
    }

    /// Posts a prepared message and acknowledges it; prints the send.
    @discardableResult
    func post(_ prepared: PreparedMessage) async throws -> UUID {
        // What judging the recipients' device lists found (a refused device, a changed key) is the app's to show.
        for event in prepared.events { show(event, at: name, own: address, names: names) }
        await inbox.append(prepared.events)
        let message = try await api.sendMessage(channel: prepared.channel, body: prepared.body)
        try await engine.markSent(prepared, messageID: message.id)
        say("[\(name)] → \"\(prepared.payload.body)\"")
        return message.id
    }
}

/// One line per interesting event.
private func show(_ event: AppEvent, at name: String, own: DeviceAddress, names: Names) {
    switch event {
    case .message(let message):
        guard message.sender != own else { return }  // this device's own send coming back
        let trust = message.trust.map { "\($0)" } ?? "own account"
        say("[\(name)] ← \"\(message.payload.body)\" from \(names.name(of: message.sender)) (\(trust))")
    case .messageEdited(let message):
        say("[\(name)] ← edit \"\(message.payload.body)\" from \(names.name(of: message.sender))")
    case .messageDeleted(let id, _):
        say("[\(name)] message \(id.uuidString.prefix(8).lowercased()) deleted by its author")
    case .messageRemovedByServer(let id, _):
        say("[\(name)] the server says it removed \(id.uuidString.prefix(8).lowercased()); the copy is kept")
    case .undecryptable(let id, let reason):
        say("[\(name)] ✗ message \(id.uuidString.prefix(8).lowercased()) could not be decrypted: \(reason)")
    case .duplicate(let id, let original):
        say(
            "[\(name)] the server holds \(original.uuidString.prefix(8).lowercased()) twice (also as "
                + "\(id.uuidString.prefix(8).lowercased())); shown once (.duplicate)")
    case .trustWarning(let warning):
        let user = names.name(ofUser: warning.user)
        guard let current = warning.currentFingerprint else {
            say("[\(name)] ⚠ the devices of \(user) carry several account keys; nothing is sent to them")
            return
        }
        say(
            "[\(name)] ⚠ the account key of \(user) changed "
                + "(\((warning.previousFingerprint ?? "none").prefix(10))… → \(current.prefix(10))…); "
                + (warning.sendingBlocked ? "sending is blocked until accepted" : "sending continues, with a warning"))
    case .deviceRefused(let user, let device, let reason):
        say(
            "[\(name)] ⛔ refused \(names.name(of: DeviceAddress(user: user, device: device))): \(reason.rawValue) "
                + "— it gets no key, so it reads nothing")
    case .ownDeviceLinked(let device):
        say(
            "[\(name)] a device was linked to this account: \(names.name(of: DeviceAddress(user: own.user, device: device)))"
        )
    case .memberAdded(let channel, let user):
        say("[\(name)] \(names.name(ofUser: user)) wrote in \(channel.uuidString.prefix(8).lowercased()) unconfirmed")
    case .keysReplenished(let count):
        say("[\(name)] uploaded \(count) new one-time pre-keys (.keysReplenished)")
    case .serverDiagnosis(let diagnosis):
        say("[\(name)] ⚠ \(diagnosis) (.serverDiagnosis)")
    case .catchUpProgress(_, let received, let total):
        say("[\(name)] caught up on \(received) of \(total) missed messages (.catchUpProgress)")
    case .catchUpIncomplete(_, let reason):
        say("[\(name)] ⚠ some missed messages could not be read: \(reason) (.catchUpIncomplete)")
    case .passthrough(_, let frame):
        guard let frame, frame.op == .dispatch else { return }
        if frame.type == .ready { say("[\(name)] gateway connected (READY)") }
        if frame.type == .resumed { say("[\(name)] session resumed (RESUMED, after the replayed events)") }
    }
}
