import Foundation

// The persisted figures of `make bench`, on real store files (see StoreFigures):
//   StoreBench measure OUT.json   every figure, written as JSON (progress on standard error)
//   (the open and notification probes' children are StoreProbe, beside this binary: see its main.swift)
//   StoreBench catchup PATH URL USER   the catch-up probe's child: catches up from READY (key on stdin)
//   StoreBench catch-up           the catch-up figures alone (seeding 10,000 messages takes a minute or two)
//   StoreBench frame-to-event     `frame_to_event_us` alone
//   StoreBench receive PATH FILE…  a receiving child of the two-process figure (key, then "go", on stdin)
//   StoreBench profile SECONDS [SESSIONS]   receives in a loop, for `perf record` (see below)
//   StoreBench wal                WAL pages written per received message
let arguments = CommandLine.arguments
do {
    switch (arguments.count, arguments.count > 1 ? arguments[1] : "") {
    case (2, "catch-up"):
        let log: @Sendable (String) -> Void = { text in FileHandle.standardError.write(Data("\(text)\n".utf8)) }
        let executable = URL(fileURLWithPath: arguments[0]).standardizedFileURL
        let figures = try CatchUpProbe.measure(executable, log: log)
        print(String(format: "catch_up_10k_s %.2f\ncatch_up_10k_rss_mib %.2f", figures.seconds, figures.residentMiB))
    case (2, "frame-to-event"):
        let log: @Sendable (String) -> Void = { text in FileHandle.standardError.write(Data("\(text)\n".utf8)) }
        let figure = try FrameToEvent.measure(log: log)
        print(String(format: "frame_to_event_us %.2f", figure.median))
        print("samples:", figure.samples.map { String(format: "%.2f", $0) }.joined(separator: " "))
    case (5, "catchup"):
        try CatchUpProbe.child(path: arguments[2], url: arguments[3], user: arguments[4])
    case (_, "receive") where arguments.count >= 4:
        try TwoProcessReceive.child(path: arguments[2], files: Array(arguments[3...]))
    case (3, "profile"), (4, "profile"):
        // For `perf record`: receives for the given number of seconds in stores with 10 sessions (or as many as the
        // third argument says), in batches of 100 (or one per transaction when that number is negative); each store
        // receives 2,000 messages, sealed before they are received, as in `measure`.
        let sessions = arguments.count == 4 ? Int(arguments[3]) ?? 10 : 10
        let end = Date().addingTimeInterval(Double(arguments[2]) ?? 5)
        while Date() < end {
            let receiver = try ReceiverStore()
            let sender = try receiver.makeSender()
            try receiver.growSessions(to: abs(sessions))
            let store = try receiver.open()
            let messages = try sender.messages(2_000)
            if sessions < 0 {
                for message in messages { _ = try store.receive(message, using: receiver.cipher) }
            } else {
                for start in stride(from: 0, to: messages.count, by: 100) {
                    let batch = Array(messages[start..<(start + 100)])
                    for result in try store.receive(batch, using: receiver.cipher) { _ = try result.get() }
                }
            }
        }
    case (2, "wal"):
        // How many WAL pages a received message writes, one per transaction and 100 per transaction.
        for perTransaction in [1, 100] {
            let receiver = try ReceiverStore()
            let sender = try receiver.makeSender()
            try receiver.growSessions(to: 10)
            let store = try receiver.open()
            let wal = receiver.path + "-wal"
            let messages = try sender.messages(500)
            let before = try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int ?? 0
            for start in stride(from: 0, to: messages.count, by: perTransaction) {
                let batch = Array(messages[start..<(start + perTransaction)])
                for result in try store.receive(batch, using: receiver.cipher) { _ = try result.get() }
            }
            let after = try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int ?? 0
            let pages = Double(after - before) / Double(4096 + 24) / Double(messages.count)
            print("\(perTransaction) per transaction: \(String(format: "%.2f", pages)) WAL pages per message")
        }
    case (3, "measure"):
        var figures = StoreFigures()
        let log: @Sendable (String) -> Void = { text in FileHandle.standardError.write(Data("\(text)\n".utf8)) }
        log("persisted receive...")
        try figures.persistedReceive()
        log("skipped keys...")
        try figures.skippedKeys()
        log("two processes receiving into one store...")
        let executable = URL(fileURLWithPath: arguments[0]).standardizedFileURL
        let shared = try TwoProcessReceive.measure(executable)
        figures.results["persisted_receive_one_process_per_s"] = shared.one
        figures.results["persisted_receive_two_processes_per_s"] = shared.two
        log("catch-up of 10,000 missed messages over the development server...")
        let catchUp = try CatchUpProbe.measure(executable, log: log)
        figures.results["catch_up_10k_s"] = catchUp.seconds
        figures.results["catch_up_10k_rss_mib"] = catchUp.residentMiB
        log("one DM_MESSAGE_CREATE frame to one app event...")
        let frameToEvent = try FrameToEvent.measure(log: log)
        figures.results["frame_to_event_us"] = frameToEvent.median
        figures.results["frame_to_event_us_samples"] = frameToEvent.samples
        log("sessions (growing a store to 10,000 sessions)...")
        try figures.sessions(openProbe: executable.deletingLastPathComponent().appendingPathComponent("StoreProbe"))
        let json = try JSONSerialization.data(withJSONObject: figures.results, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: arguments[2]))
    default:
        FileHandle.standardError.write(
            Data("usage: StoreBench measure OUT.json | StoreBench catch-up | StoreBench frame-to-event\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("StoreBench: \(error)\n".utf8))
    exit(1)
}
