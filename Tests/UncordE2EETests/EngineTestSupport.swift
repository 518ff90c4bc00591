import Foundation
import Logging
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// One device: its store, its engine, and its user's gateway.
struct TestDevice {
    let store: SQLiteStore
    let engine: E2EEEngine
    let server: TestServer
    var user: UUID { engine.address.user }
    var device: UUID { engine.address.device }

    /// Feeds the user's queued gateway frames to this engine; returns the events.
    func pump() async -> [AppEvent] {
        var events: [AppEvent] = []
        for frame in await server.drainFrames(for: user, device: device) {
            events += await engine.process(frame: frame)
        }
        return events
    }

    /// Feeds `frames` to this engine.
    func feed(_ frames: [[UInt8]]) async -> [AppEvent] {
        var events: [AppEvent] = []
        for frame in frames { events += await engine.process(frame: frame) }
        return events
    }

    /// Exports this device's store to a backup file in `directory` (cheap Argon2id limits); returns the file.
    func exportBackup(in directory: Scratch) throws -> String {
        let path = directory.path("\(device).uncord-backup")
        try store.exportBackup(
            to: path, passphrase: Self.backupPassphrase, parameters: .init(iterations: 1, memoryBytes: 8 << 20))
        return path
    }

    /// The device restored from `backup` (made by ``exportBackup(in:)``) into a new store, with a new engine.
    func restored(from backup: String, in directory: Scratch) async throws -> TestDevice {
        let key = SecureBytes(random: 32, using: SystemRandom())
        let path = directory.path("restored-\(UUID().uuidString)")
        _ = try SQLiteStore.importBackup(from: backup, passphrase: Self.backupPassphrase, to: path, key: .rawKey(key))
        let restored = try SQLiteStore.open(at: path, key: .rawKey(key))
        let engine = try E2EEEngine(store: restored, server: await server.client(for: user), logger: quietLogger)
        return TestDevice(store: restored, engine: engine, server: server)
    }

    static let backupPassphrase = SecureBytes(copying: Array("backup passphrase".utf8))

    /// Prepares, posts and acknowledges a message; returns the server's message.
    @discardableResult
    func send(_ text: String, channel: UUID, to participants: [UUID]) async throws -> Message {
        let prepared = try await engine.prepareMessage(text: text, channel: channel, participants: participants)
        let sent = try await server.client(for: user).sendMessage(channel: channel, body: prepared.body)
        try await engine.markSent(prepared, messageID: sent.id)
        return sent
    }
}

let quietLogger = Logger(label: "uncord-e2ee-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Makes and bootstraps a device of `user` on `server`.
func makeDevice(
    _ name: String, user: UUID = UUID(), device: UUID = UUID(), server: TestServer, in directory: Scratch,
    oneTimePreKeys: Int = 100, configuration: E2EEConfiguration = .init(), bootstrap: Bool = true,
    linkedTo existing: TestDevice? = nil
) async throws -> TestDevice {
    let store = try SQLiteStore.create(
        at: directory.path(name), device: DeviceAddress(user: existing?.user ?? user, device: device),
        key: .rawKey(SecureBytes(random: 32, using: SystemRandom())), oneTimePreKeys: oneTimePreKeys,
        accountKey: try existing?.store.localIdentity().keyPair)
    let engine = try E2EEEngine(
        store: store, server: await server.client(for: existing?.user ?? user), logger: quietLogger,
        configuration: configuration)
    if bootstrap { try await engine.bootstrap() }
    return TestDevice(store: store, engine: engine, server: server)
}

extension AppEvent {
    /// The body of a `.message` event.
    var messageBody: String? {
        if case .message(let message) = self { return message.payload.body }
        return nil
    }

    var trustWarning: TrustWarning? {
        if case .trustWarning(let warning) = self { return warning }
        return nil
    }
}

/// The messages' bodies among `events`.
func bodies(_ events: [AppEvent]) -> [String] { events.compactMap(\.messageBody) }

/// The bodies of the messages in `events` that other users wrote (`device`'s own sends, echoed, left out).
func received(_ events: [AppEvent], by device: TestDevice) -> [String] {
    events.compactMap { event in
        guard case .message(let message) = event, message.sender.user != device.user else { return nil }
        return message.payload.body
    }
}
