import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Runs the built `uncord-keys` for the tests, one store per named device in a scratch directory, against a
/// development server when the test starts one.
///
/// Stores are made in-process with Argon2id's minimum limits, so the many runs of a test each open their store
/// in milliseconds; `init` itself (moderate limits) is run where it is what a test is about.
final class KeysHarness: @unchecked Sendable {
    // @unchecked Sendable: set once, then only read; the server process is started before any concurrent use.

    /// One device's store in the scratch directory.
    struct Device {
        let name: String
        let user: UUID
        let device: UUID

        var userID: String { user.uuidString.lowercased() }
        var deviceID: String { device.uuidString.lowercased() }
    }

    let scratch: Scratch
    let cli: URL
    private(set) var server: Subprocess?
    private(set) var serverURL: String?

    init() throws {
        scratch = try Scratch()
        cli = try Subprocess.executable("uncord-keys")
    }

    /// Starts `uncord-devserver --port 0` on a data folder of the scratch directory and reads its address; the
    /// request limit is off unless `options` sets it.
    func startServer(_ options: [String] = []) async throws {
        let server = try Subprocess.start(
            try Subprocess.executable("uncord-devserver"),
            ["--port", "0", "--data", scratch.path("server-data"), "--rate-limit", "0"] + options,
            environment: [:], in: scratch)
        let line = try await server.waitForLine(timeout: .seconds(60)) { $0.hasPrefix("listening on ") }
        serverURL = String(line.dropFirst("listening on ".count))
        self.server = server
    }

    /// A new store `NAME.sqlite` for a new device of `user`, sealed under the scratch passphrase.
    @discardableResult
    func makeStore(_ name: String, user: UUID = UUID(), prekeys: Int = 20) throws -> Device {
        let device = UUID()
        _ = try SQLiteStore.create(
            at: storePath(name), device: DeviceAddress(user: user, device: device),
            key: .passphrase(SecureBytes(copying: Array(Scratch.passphrase.utf8)), parameters: .minimum),
            oneTimePreKeys: prekeys)
        return Device(name: name, user: user, device: device)
    }

    /// A new store `NAME.sqlite` waiting to be linked, as `link request` makes it (with Argon2id's minimum limits),
    /// and its request; `bootClock` may move the moment the request was shown into the past.
    func makeWaitingStore(
        _ name: String, user: UUID? = nil, bootClock: @escaping @Sendable () -> Double = BootClock.seconds
    ) throws -> (device: Device, request: LinkRequest) {
        let request = try SQLiteStore.requestLink(
            at: storePath(name), user: user, key: Self.minimumKey, bootClock: bootClock)
        return (Device(name: name, user: user ?? UUID(), device: request.deviceID), request)
    }

    /// Pins `key` for `user` with `trust` in a device's store, as a judged device list would.
    func pin(_ key: X25519.PublicKey, of user: UUID, trust: PinnedIdentity.Level, in device: Device) throws {
        let store = try SQLiteStore.open(at: storePath(device.name), key: Self.minimumKey)
        try store.connection.write { db in
            let view = store.view(db)
            try view.ensurePeer(user)
            try view.upsertPin(
                key, of: user, trust: trust, sendBlocked: nil, stamp: Timestamp(Date(), precision: .milliseconds).text)
        }
    }

    /// A device's store, opened in-process (a store waiting to be linked opens only as that).
    func open(_ device: Device, waiting: Bool = false) throws -> SQLiteStore {
        try SQLiteStore.open(at: storePath(device.name), key: Self.minimumKey, waitingForLink: waiting)
    }

    /// The scratch passphrase as a store key source (Argon2id's minimum limits when a store is created).
    static var minimumKey: StoreKeySource {
        .passphrase(SecureBytes(copying: Array(Scratch.passphrase.utf8)), parameters: .minimum)
    }

    /// The path of a device's store.
    func storePath(_ name: String) -> String { scratch.path("\(name).sqlite") }

    /// Runs `uncord-keys ARGUMENTS` as `device` (its store and passphrase file; its token and the server when one
    /// runs) and waits for it.
    func keys(
        _ device: Device?, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> Subprocess.Outcome {
        try await start(device, arguments, environment: environment).finish(timeout: timeout)
    }

    /// Starts `uncord-keys ARGUMENTS` as `device`, for a test that talks to it or waits for its lines.
    func start(_ device: Device?, _ arguments: [String], environment: [String: String] = [:]) throws -> Subprocess {
        var environment = environment
        var full = arguments
        if let device {
            full += ["--store", storePath(device.name), "--passphrase-file", scratch.path("pass")]
            if let serverURL {
                environment["UNCORD_SERVER"] = environment["UNCORD_SERVER"] ?? serverURL
                environment["UNCORD_TOKEN"] = environment["UNCORD_TOKEN"] ?? "dev:\(device.userID)"
            }
        }
        return try Subprocess.start(cli, full, environment: environment, in: scratch)
    }

    /// Every row of every table of a device's store (sealed values as stored), to show a command changed nothing;
    /// a store waiting to be linked too.
    func contents(of device: Device) throws -> [String: [String]] {
        let store: SQLiteStore
        do {
            store = try open(device)
        } catch StoreError.waitingForLink {
            store = try open(device, waiting: true)
        }
        return try store.connection.read { db in try db.everyRow() }
    }

    /// Records in a device's store that the server has its registration and every key, as after `register`.
    func markPublished(_ device: Device) throws {
        let store = try SQLiteStore.open(
            at: storePath(device.name), key: .passphrase(SecureBytes(copying: Array(Scratch.passphrase.utf8))))
        try store.markRegistered()
        try store.markSignedPreKeyPublished(id: try store.currentSignedPreKey().id)
        try store.markPublished(oneTimePreKeys: try store.pendingOneTimePreKeys().map(\.id))
    }

    /// Every secret a device's store holds, as the base64 and hex a leak would show.
    func secrets(of device: Device) throws -> [String] {
        let store = try SQLiteStore.open(
            at: storePath(device.name), key: .passphrase(SecureBytes(copying: Array(Scratch.passphrase.utf8))))
        var keys = [try store.localIdentity().keyPair.secret]
        for info in try store.signedPreKeyList() {
            if let key = try store.signedPreKey(id: info.id) { keys.append(key.secret) }
        }
        for info in try store.oneTimePreKeyList() {
            if let key = try store.oneTimePreKey(id: info.id) { keys.append(key.secret) }
        }
        return keys.flatMap { key in
            let bytes = key.exportBytes()
            return [Base64.encode(bytes), Hex.encode(bytes)]
        }
    }

    deinit {
        server?.terminate()
    }
}

extension Subprocess.Outcome {
    /// Checks a failure: one line on standard error, `error: …` (after any progress lines of the work that
    /// failed), nothing on standard output, the exit code.
    func expectFailure(
        _ status: Int32, containing parts: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, "exit \(self.status): \(standardError)", sourceLocation: sourceLocation)
        let failures = errorLines.filter { $0.hasPrefix("error: ") }
        #expect(failures.count == 1, "one error line expected: \(standardError)", sourceLocation: sourceLocation)
        #expect(errorLines.last?.hasPrefix("error: ") == true, "\(standardError)", sourceLocation: sourceLocation)
        #expect(
            errorLines.dropLast().allSatisfy(BackupProgressLine.matches), "\(standardError)",
            sourceLocation: sourceLocation)
        #expect(standardOutput.isEmpty, "\(standardOutput)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(
                standardError.contains(part), "'\(part)' missing in: \(standardError)", sourceLocation: sourceLocation)
        }
    }

    /// Checks a success and answers standard output.
    @discardableResult
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(status == 0, "exit \(status): \(standardError)", sourceLocation: sourceLocation)
        return standardOutput
    }
}

/// The progress lines a backup prints on standard error before the work that may fail.
enum BackupProgressLine {
    static func matches(_ line: Substring) -> Bool {
        ["deriving the backup key", "read the store", "the backup opened", "resealed", "writing the backup"].contains {
            line.hasPrefix($0)
        }
    }
}
