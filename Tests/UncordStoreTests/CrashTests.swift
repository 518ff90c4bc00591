import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue 4, item 6: `uncord-crash-helper` receives a stream of messages into a store while the test kills it with
/// SIGKILL at random moments and starts it again; afterwards every message is stored exactly once with its
/// payload, and every sender's session still decrypts a message sent after the stream.
///
/// The seed is printed; `UNCORD_CRASH_SEED=N swift test --filter CrashTests` replays a schedule.
struct CrashTests {
    static let messages = 8000
    static let senders = 3
    static let minimumKills = 50
    static let earlyKillShare = 0.15

    @Test(.timeLimit(.minutes(3)))
    func sigkillAtRandomMomentsLosesNothing() throws {
        let seed =
            ProcessInfo.processInfo.environment["UNCORD_CRASH_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...999_999)
        print("CrashTests seed \(seed) (replay with UNCORD_CRASH_SEED=\(seed))")
        let started = Date()
        let helper = try Subprocess.executable("uncord-crash-helper")
        let scratch = try Scratch("uncord-crash")
        let directory = scratch.path("stream")

        let prepared = try Subprocess.run(
            helper,
            [
                "prepare", directory, "--seed", "\(seed)", "--messages", "\(Self.messages)", "--senders",
                "\(Self.senders)",
            ],
            in: scratch)
        try #require(prepared.status == 0, "prepare failed (seed \(seed)): \(prepared.standardError)")

        var schedule = CrashSchedule(seed: seed)
        let log = scratch.url.appendingPathComponent("helper.log")
        try Data().write(to: log)
        var kills = 0
        var earlyKills = 0
        var runs = 0
        while true {
            runs += 1
            guard runs <= 1000 else { throw Failure("the helper never finished", seed, log) }
            let run = try HelperRun(helper, directory: directory, log: log)
            if kills < Self.minimumKills, schedule.chance(Self.earlyKillShare) {
                // Killed while starting: reading the stream, opening the store, recovering its WAL.
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.02, using: &schedule))
                switch run.sigkill() {
                case .killed: earlyKills += 1
                case .exited(let status):
                    guard status == 0 else { throw Failure("run \(runs) failed with \(status)", seed, log) }
                }
                continue
            }
            guard let resumed = run.waitForResume() else {
                throw Failure("run \(runs) ended with \(run.finish()) before resuming", seed, log)
            }
            guard kills < Self.minimumKills else {
                let status = run.finish()
                guard status == 0 else { throw Failure("the last run ended with \(status)", seed, log) }
                break
            }
            Thread.sleep(
                forTimeInterval: schedule.killDelay(
                    resumed: resumed, total: Self.messages, killsLeft: Self.minimumKills - kills))
            switch run.sigkill() {
            case .killed: kills += 1
            case .exited(0): throw Failure("the helper finished before \(Self.minimumKills) kills", seed, log)
            case .exited(let status): throw Failure("run \(runs) failed with \(status)", seed, log)
            }
        }

        try Self.verify(directory: directory, seed: seed)
        let seconds = Date().timeIntervalSince(started)
        print(
            "CrashTests seed \(seed): \(Self.messages) messages, \(kills) kills while receiving and \(earlyKills) "
                + "while starting, \(runs) runs, \(String(format: "%.1f", seconds)) s")
        #expect(kills >= Self.minimumKills)
    }

    /// Every stream message stored exactly once with its payload and sender; then one new message per sender
    /// decrypts, and nothing else is left over.
    static func verify(directory: String, seed: UInt64) throws {
        let base = URL(fileURLWithPath: directory)
        let key = try Data(contentsOf: base.appendingPathComponent("store.key"))
        let store = try SQLiteStore.open(
            at: base.appendingPathComponent("store.sqlite").path, key: .rawKey(SecureBytes(copying: key)))
        var expected: [(id: UUID, device: UUID, body: String)] = []
        for line in try String(contentsOf: base.appendingPathComponent("expected.tsv"), encoding: .utf8)
            .split(separator: "\n")
        {
            let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
            guard fields.count == 3, let id = UUID(uuidString: fields[0]), let device = UUID(uuidString: fields[1])
            else { throw Failure("a malformed line in expected.tsv: \(line)", seed, nil) }
            expected.append((id, device, fields[2]))
        }
        try #require(expected.count == messages + senders)
        #expect(try store.messageCount() == messages, "seed \(seed)")
        var wrong = 0
        for entry in expected.prefix(messages) {
            let stored = try store.message(id: entry.id)
            if stored?.payload.body != entry.body || stored?.sender.device != entry.device { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) stream messages missing or wrong (seed \(seed))")

        let tail = try String(contentsOf: base.appendingPathComponent("tail.tsv"), encoding: .utf8)
            .split(separator: "\n")
        try #require(tail.count == senders)
        for (line, entry) in zip(tail, expected.suffix(senders)) {
            let json = try #require(line.split(separator: "\t", maxSplits: 1).last)
            let message = try WireJSON.decode(Message.self, from: String(json))
            let received = try store.receive(message, using: SessionCipher())
            #expect(!received.wasAlreadyStored)
            #expect(received.message.payload.body == entry.body, "seed \(seed)")
            #expect(received.message.sender.device == entry.device, "seed \(seed)")
        }
        #expect(try store.messageCount() == messages + senders)
        let status = try store.status()
        #expect(status.sessions == senders && status.peers == senders, "seed \(seed)")
        #expect(status.oneTimePreKeys.pending + status.oneTimePreKeys.published == 0, "seed \(seed)")
    }

    /// A failed crash run: what happened, the seed, and the end of the helper's log.
    struct Failure: Error, CustomStringConvertible {
        let description: String

        init(_ what: String, _ seed: UInt64, _ log: URL?) {
            let text = log.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
            let tail = text.split(separator: "\n").suffix(5).joined(separator: "\n")
            description = "\(what) (seed \(seed))" + (tail.isEmpty ? "" : "; the helper's log ends:\n\(tail)")
        }
    }
}

/// One run of the helper's `receive`: standard output through a pipe (to see `resumed N of M`), standard error
/// appended to a log.
private final class HelperRun {
    enum Ending: Equatable {
        case killed
        case exited(Int32)
    }

    private let process = Process()
    private let output = Pipe()

    init(_ helper: URL, directory: String, log: URL) throws {
        process.executableURL = helper
        process.arguments = ["receive", directory]
        process.environment = [:]
        process.standardOutput = output
        let errors = try FileHandle(forWritingTo: log)
        errors.seekToEndOfFile()
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try errors.close()
    }

    /// Blocks until the helper has opened the store and says how many messages it holds; `nil` if it ended first.
    func waitForResume() -> Int? {
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            line.append(contentsOf: chunk)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard words.count >= 2, words[0] == "resumed" else { return nil }
        return Int(words[1])
    }

    /// SIGKILL now, unless it already ended.
    func sigkill() -> Ending {
        if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? .killed : .exited(process.terminationStatus)
    }

    /// Waits for the run to end on its own; its exit status.
    func finish() -> Int32 {
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }
}

/// The kill schedule: SplitMix64 from the seed, and delays drawn so that the required kills land well before the
/// stream ends.
private struct CrashSchedule: RandomNumberGenerator {
    private var state: UInt64
    /// Messages received per second, as measured so far (a guess until the first kill).
    private var rate = 1000.0
    private var last: (resumed: Int, delay: Double)?
    private var measured: (messages: Double, seconds: Double) = (0, 0)

    init(seed: UInt64) { state = seed }

    /// `true` with probability `share`.
    mutating func chance(_ share: Double) -> Bool { Double.random(in: 0..<1, using: &self) < share }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// How long to let a run that resumed at `resumed` go before killing it: 2 ms up to a ceiling (at most 300 ms)
    /// that leaves room for about twice the `killsLeft` still needed in the messages still to come. The rate is
    /// the faster of the average so far and the last run's, so a machine that speeds up does not end the stream
    /// early.
    mutating func killDelay(resumed: Int, total: Int, killsLeft: Int) -> Double {
        if let last {
            let progress = Double(max(0, resumed - last.resumed))
            measured.messages += progress
            measured.seconds += last.delay
            if measured.messages > 0 { rate = max(measured.messages / measured.seconds, progress / last.delay) }
        }
        let remainingSeconds = Double(total - resumed) / rate
        let ceiling = min(0.3, max(0.004, remainingSeconds / Double(killsLeft + 10)))
        let delay = Double.random(in: 0.002...ceiling, using: &self)
        last = (resumed, delay)
        return delay
    }
}
