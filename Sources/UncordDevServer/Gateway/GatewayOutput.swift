/// What the gateway hub asks a connection's writer to do.
enum GatewayOutput: Sendable, Equatable {
    /// Send one text message (a frame's JSON).
    case text([UInt8])
    /// Close the connection with a gateway close code and a short reason.
    case close(code: UInt16, reason: String)
}

/// The gateway close codes of UNCORD_API.md.
enum GatewayCloseCode {
    /// 4000: unknown error.
    static let unknownError: UInt16 = 4000
    /// 4001: an opcode the server does not accept from a client.
    static let unknownOpcode: UInt16 = 4001
    /// 4002: a message that is not a valid frame or payload.
    static let decodeError: UInt16 = 4002
    /// 4003: a frame that needs a session before Identify or Resume.
    static let notAuthenticated: UInt16 = 4003
    /// 4004: the token was refused.
    static let authenticationFailed: UInt16 = 4004
    /// 4005: a second Identify or Resume on one connection.
    static let alreadyAuthenticated: UInt16 = 4005
    /// 4007: a Resume with a sequence number the session never reached.
    static let invalidSequence: UInt16 = 4007
    /// 4009: no heartbeat for 1.5 intervals.
    static let sessionTimedOut: UInt16 = 4009
}
