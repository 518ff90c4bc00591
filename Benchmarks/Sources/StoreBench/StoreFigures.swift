import Foundation
import UncordRatchet
import UncordStore

/// The persisted figures of `make bench`, measured on real ``SQLiteStore`` files.
struct StoreFigures {
    /// Messages per run of the one-per-transaction figures.
    static let messagesPerRun = 200
    /// Batches of 100 per run of the batched figure.
    static let batchesPerRun = 5
    /// The store sizes of the scaling curve.
    static let sessionCounts = [10, 100, 1_000, 10_000]

    var results: [String: Any] = [:]

    /// µs per message, receiving `count` messages of `sender`, one transaction each (sealing is outside the time).
    static func receiveOneByOne(_ receiver: ReceiverStore, from sender: Sender, count: Int = messagesPerRun)
        throws -> Double
    {
        let store = try receiver.open()
        let messages = try sender.messages(count)
        let ns = try Measure.nanoseconds {
            for message in messages { _ = try store.receive(message, using: receiver.cipher) }
        }
        return ns / 1000 / Double(count)
    }

    /// µs per message, receiving batches of 100 in one transaction each.
    static func receiveBatched(_ receiver: ReceiverStore, from sender: Sender) throws -> Double {
        let store = try receiver.open()
        let batches = try (0..<batchesPerRun).map { _ in try sender.messages(100) }
        let ns = try Measure.nanoseconds {
            for batch in batches {
                for result in try store.receive(batch, using: receiver.cipher) { _ = try result.get() }
            }
        }
        return ns / 1000 / Double(batchesPerRun * 100)
    }

    /// `persisted_receive_per_s` and `persisted_receive_batched_per_s`, in a store with 10 sessions.
    mutating func persistedReceive() throws {
        let receiver = try ReceiverStore()
        let sender = try receiver.makeSender()
        try receiver.growSessions(to: 10)
        _ = try Self.receiveOneByOne(receiver, from: sender, count: 50)  // warm-up
        let single = try Measure.median { try Self.receiveOneByOne(receiver, from: sender) }
        let batched = try Measure.median { try Self.receiveBatched(receiver, from: sender) }
        results["persisted_receive_us"] = single.median
        results["persisted_receive_us_samples"] = single.samples
        results["persisted_receive_batched_us"] = batched.median
        results["persisted_receive_batched_us_samples"] = batched.samples
    }

    /// `skipped_2000_ratio`: in one store, a sender whose session holds 2,000 skipped message keys (two gaps of
    /// 1,000, the most one message may skip, filling the session's 2,000 places) and a sender whose session holds
    /// none; both then send in order, in alternating runs. The ratio is the median of the runs' pairwise ratios, so
    /// that a change in the machine's load between pairs cancels out.
    mutating func skippedKeys() throws {
        let receiver = try ReceiverStore()
        let gapped = try receiver.makeSender()
        let plain = try receiver.makeSender()
        try receiver.growSessions(to: 10)
        let store = try receiver.open()
        for _ in 0..<2 {
            let gap = try gapped.messages(DoubleRatchet.maximumSkip.toInt + 1)
            _ = try store.receive(gap[gap.count - 1], using: receiver.cipher)
        }
        let record = try store.sessionRecord(for: gapped.address)
        guard record?.active.ratchet.storedSkippedKeyCount == 2_000 else {
            throw BenchFailure("the gapped session holds \(record?.active.ratchet.storedSkippedKeyCount ?? 0) keys")
        }
        _ = try Self.receiveOneByOne(receiver, from: gapped, count: 50)
        _ = try Self.receiveOneByOne(receiver, from: plain, count: 50)
        let (with, without) = try Measure.interleaved(
            { try Self.receiveOneByOne(receiver, from: gapped) }, { try Self.receiveOneByOne(receiver, from: plain) })
        results["skipped_2000_us"] = Measure.median(with)
        results["skipped_0_us"] = Measure.median(without)
        results["skipped_2000_ratio"] = Measure.median(zip(with, without).map { $0 / $1 })
        results["skipped_2000_us_samples"] = with
        results["skipped_0_us_samples"] = without
    }

    /// The scaling curve (µs per received message, one per transaction, at each of ``sessionCounts``), then
    /// `sessions_10k_ratio` from a 10-session store and the 10,000-session one in alternating runs, then
    /// `store_open_10k_ms` and `store_open_10k_rss_mib` from the closed 10,000-session store.
    mutating func sessions(openProbe: URL) throws {
        let large = try ReceiverStore()
        let measured = try large.makeSender()
        var curve: [[String: Double]] = []
        for count in Self.sessionCounts {
            let started = Date()
            try large.growSessions(to: count)
            FileHandle.standardError.write(
                Data("  store with \(count) sessions (grown in \(Int(Date().timeIntervalSince(started))) s)\n".utf8))
            _ = try Self.receiveOneByOne(large, from: measured, count: 50)
            let figure = try Measure.median { try Self.receiveOneByOne(large, from: measured) }
            curve.append(["sessions": Double(count), "us": figure.median])
        }
        results["sessions_curve"] = curve

        let small = try ReceiverStore()
        let smallSender = try small.makeSender()
        try small.growSessions(to: 10)
        _ = try Self.receiveOneByOne(small, from: smallSender, count: 50)
        let (big, little) = try Measure.interleaved(
            { try Self.receiveOneByOne(large, from: measured) },
            { try Self.receiveOneByOne(small, from: smallSender) })
        results["sessions_10k_us"] = Measure.median(big)
        results["sessions_10_us"] = Measure.median(little)
        results["sessions_10k_ratio"] = Measure.median(zip(big, little).map { $0 / $1 })
        results["sessions_10k_us_samples"] = big
        results["sessions_10_us_samples"] = little

        large.close()
        var milliseconds: [Double] = []
        var residentMiB: [Double] = []
        for _ in 0..<Measure.runs {
            let opened = try OpenProbe.run(openProbe, path: large.path, key: large.key)
            milliseconds.append(opened.milliseconds)
            residentMiB.append(opened.residentMiB)
        }
        var coldMilliseconds: [Double] = []
        var coldResidentMiB: [Double] = []
        for _ in 0..<Measure.runs {
            // A new message each run: a stored one would be answered from the store without a decrypt.
            guard let message = try measured.messages(1).first else { throw BenchFailure("no message") }
            let cold = try NotificationProbe.run(openProbe, path: large.path, key: large.key, message: message)
            coldMilliseconds.append(cold.milliseconds)
            coldResidentMiB.append(cold.residentMiB)
        }
        results["notification_decrypt_cold_ms"] = Measure.median(coldMilliseconds)
        results["notification_decrypt_rss_mib"] = Measure.median(coldResidentMiB)
        results["notification_decrypt_cold_ms_samples"] = coldMilliseconds
        results["notification_decrypt_rss_mib_samples"] = coldResidentMiB
        results["store_open_10k_ms"] = Measure.median(milliseconds)
        results["store_open_10k_rss_mib"] = Measure.median(residentMiB)
        results["store_open_10k_ms_samples"] = milliseconds
        results["store_open_10k_rss_mib_samples"] = residentMiB
    }
}

extension UInt32 {
    var toInt: Int { Int(self) }
}
