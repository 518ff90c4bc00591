/// The payload of ``Opcode/hello``, the server's first frame: `{"heartbeat_interval": ms}`.
public struct Hello: Sendable, Equatable, Codable {
    /// How often the client must send a heartbeat; positive, in whole milliseconds on the wire.
    public var heartbeatInterval: Duration

    /// A hello with the given interval.
    public init(heartbeatInterval: Duration) {
        self.heartbeatInterval = heartbeatInterval
    }

    private enum CodingKeys: String, CodingKey {
        case heartbeatInterval = "heartbeat_interval"
    }

    /// Reads `{"heartbeat_interval": ms}`; the interval must be at least 1 ms.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let milliseconds = try container.decode(Int64.self, forKey: .heartbeatInterval)
        guard milliseconds >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .heartbeatInterval, in: container, debugDescription: "must be at least 1 millisecond")
        }
        heartbeatInterval = .milliseconds(milliseconds)
    }

    /// Writes the interval in whole milliseconds (rounded down; at least 1).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let (seconds, attoseconds) = heartbeatInterval.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let milliseconds = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !overflow, !milliseconds.overflow, milliseconds.partialValue >= 1 else {
            throw container.refuse(.heartbeatInterval, "must be between 1 millisecond and Int64.max milliseconds")
        }
        try container.encode(milliseconds.partialValue, forKey: .heartbeatInterval)
    }
}
