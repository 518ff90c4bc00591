import Logging
import Synchronization

/// Keeps every log line of a run in memory, at `trace` level: what a deployment that logs everything would write.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    /// Every line so far.
    var all: [String] { lines.withLock { $0 } }

    /// A logger that records here under `label`.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { RecordingLogHandler(label: $0, recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func record(_ line: String) { lines.withLock { $0.append(line) } }
}

/// A `LogHandler` that writes each event — level, label, message, metadata, source, attached error — as one line
/// into a ``LogRecorder``.
struct RecordingLogHandler: LogHandler {
    let label: String
    let recorder: LogRecorder
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\(String(reflecting: $0))" } ?? ""
        recorder.record("\(event.level) [\(label)] \(event.message) \(details) source=\(event.source)\(error)")
    }
}
