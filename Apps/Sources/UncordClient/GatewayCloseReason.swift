/// Why the gateway closed a WebSocket connection, read from its close code (UNCORD_API.md), and what the client
/// does about it.
public enum GatewayCloseReason: Sendable, Equatable, CustomStringConvertible {
    /// 4000: the server failed; reconnect and resume.
    case unknownError
    /// 4001: the server did not know an opcode the client sent; reconnect and resume.
    case unknownOpcode
    /// 4002: the server could not decode a frame the client sent; reconnect and resume.
    case decodeError
    /// 4003: a frame arrived before Identify; reconnect and identify anew.
    case notAuthenticated
    /// 4004: the token was refused; fatal, the client stops.
    case authenticationFailed
    /// 4005: Identify was sent twice; reconnect and resume.
    case alreadyAuthenticated
    /// 4007: the resumed sequence number is not valid; reconnect and identify anew.
    case invalidSequence
    /// 4008: the client sent too fast; reconnect after at least ``GatewayConfiguration/rateLimitedBackoff``
    /// (doubling while it repeats), then resume.
    case rateLimited
    /// 4009: the session timed out; reconnect and identify anew.
    case sessionTimedOut
    /// Any other code (1000, 1001, 1006, …), or none; reconnect and resume.
    case other(code: UInt16?)

    /// The reason for a close code; `nil` means the connection ended without a close frame.
    public init(code: UInt16?) {
        switch code {
        case 4000: self = .unknownError
        case 4001: self = .unknownOpcode
        case 4002: self = .decodeError
        case 4003: self = .notAuthenticated
        case 4004: self = .authenticationFailed
        case 4005: self = .alreadyAuthenticated
        case 4007: self = .invalidSequence
        case 4008: self = .rateLimited
        case 4009: self = .sessionTimedOut
        default: self = .other(code: code)
        }
    }

    /// Whether the client must stop instead of reconnecting.
    public var isFatal: Bool { self == .authenticationFailed }

    /// Whether the next connection may resume the session (otherwise it identifies anew).
    public var canResume: Bool {
        switch self {
        case .notAuthenticated, .authenticationFailed, .invalidSequence, .sessionTimedOut: false
        default: true
        }
    }

    /// The reason's name and code, such as `sessionTimedOut (4009)`.
    public var description: String {
        switch self {
        case .unknownError: "unknownError (4000)"
        case .unknownOpcode: "unknownOpcode (4001)"
        case .decodeError: "decodeError (4002)"
        case .notAuthenticated: "notAuthenticated (4003)"
        case .authenticationFailed: "authenticationFailed (4004)"
        case .alreadyAuthenticated: "alreadyAuthenticated (4005)"
        case .invalidSequence: "invalidSequence (4007)"
        case .rateLimited: "rateLimited (4008)"
        case .sessionTimedOut: "sessionTimedOut (4009)"
        case .other(let code): code.map { "other (\($0))" } ?? "other (no close frame)"
        }
    }
}
