import Foundation
import Logging
import UncordClient
import UncordCrypto
import UncordDevServer
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

/// `frame_to_event_us` (issue 17): one `DM_MESSAGE_CREATE` text frame's bytes in, one app event out, through a real
/// engine over its SQLite store — the gateway hop's parse, the engine's, the payload's decode, the decrypt and the
/// receive's transaction. Alice sends to Bob over the development server (in this process); Bob's engine reads each
/// message as its device's list answers it (with the wrap for this device) and the figure feeds it back to
/// `E2EEEngine.process(frame:)` as the bytes of a `DM_MESSAGE_CREATE` dispatch, so no network is timed.
enum FrameToEvent {
    /// Frames per run.
    static let framesPerRun = 100
    /// Frames processed before the runs: the pre-key message, and the judgement of Alice's device list that the
    /// first message from her unknown device asks for (over the server).
    static let warmUp = 20

    /// The median µs per frame over ``Measure/runs`` runs of ``framesPerRun`` frames, and the runs' figures.
    static func measure(log: @escaping @Sendable (String) -> Void) throws -> (median: Double, samples: [Double]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("frame-to-event-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = Outcome()
        let semaphore = DispatchSemaphore(value: 0)
        let server = Task {
            do {
                let configuration = DevServerConfiguration(dataDirectory: directory + "/server", rateLimit: 0)
                try await DevServer(configuration: configuration, logger: quiet).run { port in
                    outcome.port = port
                    semaphore.signal()
                }
            } catch {
                outcome.failure = "\(error)"
                semaphore.signal()
            }
        }
        defer { server.cancel() }
        semaphore.wait()
        guard outcome.failure == nil else { throw BenchFailure("the development server: \(outcome.failure ?? "")") }
        Task {
            do {
                outcome.samples = try await run(url: "http://127.0.0.1:\(outcome.port)", in: directory, log: log)
            } catch {
                outcome.failure = "\(error)"
            }
            semaphore.signal()
        }
        semaphore.wait()
        guard outcome.failure == nil else { throw BenchFailure("frame to event: \(outcome.failure ?? "")") }
        return (Measure.median(outcome.samples), outcome.samples)
    }

    /// Seeds the frames, then times the runs.
    private static func run(url: String, in directory: String, log: (String) -> Void) async throws -> [Double] {
        guard let base = URL(string: url) else { throw BenchFailure("no URL") }
        let bob = DeviceAddress(user: UUID(), device: UUID())
        let bobStore = try SQLiteStore.create(
            at: directory + "/bob", device: bob, key: .rawKey(SecureBytes(random: 32, using: SystemRandom())),
            oneTimePreKeys: 20)
        let bobAPI = HTTPServerAPI(baseURL: base, token: "dev:\(bob.user.uuidString.lowercased())", logger: quiet)
        let engine = try E2EEEngine(store: bobStore, server: bobAPI, logger: quiet)
        try await engine.bootstrap()
        let alice = DeviceAddress(user: UUID(), device: UUID())
        let aliceStore = try SQLiteStore.create(
            at: directory + "/alice", device: alice, key: .rawKey(SecureBytes(random: 32, using: SystemRandom())),
            oneTimePreKeys: 20)
        let aliceAPI = HTTPServerAPI(baseURL: base, token: "dev:\(alice.user.uuidString.lowercased())", logger: quiet)
        let sender = try E2EEEngine(store: aliceStore, server: aliceAPI, logger: quiet)
        try await sender.bootstrap()
        let channel = try await aliceAPI.createDMChannel(.direct(recipientID: bob.user)).id

        let count = warmUp + Measure.runs * framesPerRun
        log("  sending \(count) messages")
        var frames: [[UInt8]] = []
        for index in 1...count {
            let prepared = try await sender.prepareMessage(
                text: "message \(index): " + String(repeating: "a", count: 200), channel: channel,
                participants: [bob.user])
            let sent = try await aliceAPI.sendMessage(channel: channel, body: prepared.body)
            try await sender.markSent(prepared, messageID: sent.id)
            // The message as Bob's device is given it: the newest of the channel, with the wrap for this device.
            let listed = try await bobAPI.messages(channel: channel, device: bob.device, before: nil, limit: 1)
            guard let message = listed.first, message.id == sent.id, !(message.messageKeys ?? []).isEmpty else {
                throw BenchFailure("message \(index) was not listed with a wrap for Bob's device")
            }
            let frame = Frame(
                op: .dispatch, sequence: Int64(index), type: .dmMessageCreate, data: try RawJSON(encoding: message))
            frames.append(frame.encoded())
        }

        for frame in frames.prefix(warmUp) { _ = await engine.process(frame: frame) }
        var samples: [Double] = []
        for run in 0..<Measure.runs {
            let start = warmUp + run * framesPerRun
            var events: [[AppEvent]] = []
            events.reserveCapacity(framesPerRun)
            let begin = DispatchTime.now().uptimeNanoseconds
            for frame in frames[start..<(start + framesPerRun)] { events.append(await engine.process(frame: frame)) }
            let nanoseconds = Double(DispatchTime.now().uptimeNanoseconds - begin)
            for answer in events {
                guard answer.count == 1, case .message = answer[0] else {
                    throw BenchFailure("a frame gave \(answer.count) events, not one message")
                }
            }
            samples.append(nanoseconds / 1000 / Double(framesPerRun))
        }
        return samples
    }

    private static let quiet = Logger(label: "frame-to-event") { _ in SwiftLogNoOpLogHandler() }

    /// The server's port, the runs' figures and a failure. @unchecked Sendable: written by a task before the
    /// semaphore is signalled, read after it is waited for.
    final class Outcome: @unchecked Sendable {
        var port = 0
        var samples: [Double] = []
        var failure: String?
    }
}
