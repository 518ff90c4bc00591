import Foundation
import Logging
import ProbeSupport
import UncordClient
import UncordCrypto
import UncordDevServer
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

/// `catch_up_10k_s` and `catch_up_10k_rss_mib` (issue 16): Bob's device was away while Alice sent 10,000 messages
/// into their DM over the development server; a fresh process opens Bob's store (raw key) and catches up, from READY
/// to the last message decrypted, through ``E2EEEngine/events(from:)``. The server and Alice run in this process;
/// the catch-up in a child of its own, so that the resident figure is the catch-up's.
enum CatchUpProbe {
    /// How many messages Bob missed.
    static let missed = 10_000
    /// Catch-ups measured, each from a copy of the seeded store; the figures are their medians.
    static let runs = 3

    /// Seeds the missed messages and runs the child ``runs`` times; answers the median seconds and peak resident MiB.
    static func measure(_ executable: URL, log: @escaping @Sendable (String) -> Void) throws -> (
        seconds: Double, residentMiB: Double
    ) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catch-up-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seeded = Seeded()
        let semaphore = DispatchSemaphore(value: 0)
        let server = Task {
            do {
                let configuration = DevServerConfiguration(dataDirectory: directory + "/server", rateLimit: 0)
                try await DevServer(configuration: configuration, logger: quiet).run { port in
                    seeded.port = port
                    semaphore.signal()
                }
            } catch {
                seeded.failure = "\(error)"
                semaphore.signal()
            }
        }
        defer { server.cancel() }
        semaphore.wait()
        guard seeded.failure == nil else { throw BenchFailure("the development server: \(seeded.failure ?? "")") }
        let key = SecureBytes(random: 32, using: SystemRandom())
        let bob = DeviceAddress(user: UUID(), device: UUID())
        let url = "http://127.0.0.1:\(seeded.port)"
        Task {
            do {
                try await seed(url: url, bob: bob, key: key, in: directory, log: log)
            } catch {
                seeded.failure = "\(error)"
            }
            semaphore.signal()
        }
        semaphore.wait()
        guard seeded.failure == nil else { throw BenchFailure("seeding: \(seeded.failure ?? "")") }
        // Each run catches up from the same store: a copy of it as the seeding left it.
        let store = directory + "/bob"
        let files = ["", "-wal", "-shm"].filter { FileManager.default.fileExists(atPath: store + $0) }
        for suffix in files {
            try FileManager.default.copyItem(atPath: store + suffix, toPath: store + ".seeded" + suffix)
        }
        var seconds: [Double] = []
        var residentMiB: [Double] = []
        for _ in 0..<runs {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
            for suffix in files {
                try FileManager.default.copyItem(atPath: store + ".seeded" + suffix, toPath: store + suffix)
            }
            let run = try OpenProbe.runChild(
                executable, ["catchup", store, url, bob.user.uuidString.lowercased()], key: key)
            seconds.append(run.milliseconds / 1000)
            residentMiB.append(run.residentMiB)
        }
        return (Measure.median(seconds), Measure.median(residentMiB))
    }

    /// Registers Bob, then Alice sends him ``missed`` messages he never reads.
    private static func seed(
        url: String, bob: DeviceAddress, key: SecureBytes, in directory: String, log: (String) -> Void
    ) async throws {
        guard let base = URL(string: url) else { throw BenchFailure("no URL") }
        let bobStore = try SQLiteStore.create(
            at: directory + "/bob", device: bob, key: .rawKey(key), oneTimePreKeys: 20)
        let bobAPI = HTTPServerAPI(baseURL: base, token: "dev:\(bob.user.uuidString.lowercased())", logger: quiet)
        try await E2EEEngine(store: bobStore, server: bobAPI, logger: quiet).bootstrap()
        let alice = DeviceAddress(user: UUID(), device: UUID())
        let aliceStore = try SQLiteStore.create(
            at: directory + "/alice", device: alice, key: .rawKey(SecureBytes(random: 32, using: SystemRandom())),
            oneTimePreKeys: 20)
        let aliceAPI = HTTPServerAPI(baseURL: base, token: "dev:\(alice.user.uuidString.lowercased())", logger: quiet)
        let engine = try E2EEEngine(store: aliceStore, server: aliceAPI, logger: quiet)
        try await engine.bootstrap()
        let channel = try await aliceAPI.createDMChannel(.direct(recipientID: bob.user)).id
        for index in 1...missed {
            let prepared = try await engine.prepareMessage(
                text: "missed message \(index)", channel: channel, participants: [bob.user])
            let message = try await aliceAPI.sendMessage(channel: channel, body: prepared.body)
            try await engine.markSent(prepared, messageID: message.id)
            if index % 2_000 == 0 { log("  \(index) messages sent") }
        }
    }

    /// The child's side: opens Bob's store, catches up from one READY, then prints `milliseconds peak-resident-MiB`;
    /// fails unless every missed message was decrypted, in order.
    static func child(path: String, url: String, user: String) throws {
        let key = try Probe.readKey()
        guard let base = URL(string: url) else { throw BenchFailure("no URL") }
        let semaphore = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let start = DispatchTime.now().uptimeNanoseconds
        Task {
            do {
                let store = try SQLiteStore.open(at: path, key: .rawKey(key))
                let api = HTTPServerAPI(baseURL: base, token: "dev:\(user)", logger: quiet)
                let engine = try E2EEEngine(store: store, server: api, logger: quiet)
                let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"s","user":{"id":"u"}}}"#.utf8)
                let frames = AsyncStream<[UInt8]> { continuation in
                    continuation.yield(ready)
                    continuation.finish()
                }
                for await event in engine.events(from: frames) {
                    guard case .message(let message) = event else { continue }
                    outcome.received += 1
                    if message.payload.body != "missed message \(outcome.received)" { outcome.inOrder = false }
                }
            } catch {
                outcome.received = -1
            }
            semaphore.signal()
        }
        semaphore.wait()
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start)
        guard outcome.received == missed, outcome.inOrder else {
            throw BenchFailure("the catch-up received \(outcome.received) messages (in order: \(outcome.inOrder))")
        }
        Probe.report(nanoseconds: ns)
    }

    private static let quiet = Logger(label: "catch-up-probe") { _ in SwiftLogNoOpLogHandler() }

    /// What the seeding and the child's task found. @unchecked Sendable: written by a task before the semaphore is
    /// signalled, read after it is waited for.
    final class Outcome: @unchecked Sendable {
        var received = 0
        var inOrder = true
    }

    /// The server's port and the seeding's failure. @unchecked Sendable: as ``Outcome``.
    final class Seeded: @unchecked Sendable {
        var port = 0
        var failure: String?
    }
}
