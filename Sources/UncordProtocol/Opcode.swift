/// The kind of a gateway frame, carried in its `op` field.
///
/// The named values are the ones Uncord defines; any other value in 0…2^31−1 is kept as it came, so a frame with an
/// opcode this version does not know still reaches the app.
///
/// ```swift
/// let op = Opcode(rawValue: 10)        // .hello
/// let future = Opcode(rawValue: 42)    // passed through, `name` is nil
/// ```
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The number on the wire, always in 0…2^31−1.
    public let rawValue: Int32

    /// Wraps a wire number; `nil` when it is negative, which no frame may carry.
    public init?(rawValue: Int32) {
        guard rawValue >= 0 else { return nil }
        self.rawValue = rawValue
    }

    private init(known rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Server to client: an event (`t`) with its payload (`d`), usually numbered by `s`.
    public static let dispatch = Opcode(known: 0)
    /// Either way: a keep-alive beat; the client sends one every heartbeat interval.
    public static let heartbeat = Opcode(known: 1)
    /// Client to server: opens a new session with an access token.
    public static let identify = Opcode(known: 2)
    /// Client to server: announces the user's presence status.
    public static let presenceUpdate = Opcode(known: 3)
    /// Client to server: continues an earlier session from the last sequence number the client saw.
    public static let resume = Opcode(known: 6)
    /// Server to client: asks the client to drop the connection and connect again.
    public static let reconnect = Opcode(known: 7)
    /// Server to client: the session is gone; `d` says whether resuming it may still work.
    public static let invalidSession = Opcode(known: 9)
    /// Server to client: the first frame on a connection, carrying the heartbeat interval.
    public static let hello = Opcode(known: 10)
    /// Server to client: confirms that a heartbeat arrived.
    public static let heartbeatAck = Opcode(known: 11)

    /// The nine opcodes Uncord defines, in numeric order.
    public static let allKnown: [Opcode] = [
        .dispatch, .heartbeat, .identify, .presenceUpdate, .resume, .reconnect, .invalidSession, .hello, .heartbeatAck,
    ]

    /// The opcode's name in this module (`"heartbeatAck"`), or `nil` for a number Uncord does not define.
    public var name: String? {
        switch rawValue {
        case 0: "dispatch"
        case 1: "heartbeat"
        case 2: "identify"
        case 3: "presenceUpdate"
        case 6: "resume"
        case 7: "reconnect"
        case 9: "invalidSession"
        case 10: "hello"
        case 11: "heartbeatAck"
        default: nil
        }
    }

    /// The name and number, such as `hello (10)`, or `unknown (42)`.
    public var description: String {
        "\(name ?? "unknown") (\(rawValue))"
    }
}
