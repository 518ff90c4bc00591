/// What the gateway hub asks a connection's writer to do.
enum GatewayOutput: Sendable, Equatable {
    /// Send one text message (a frame's JSON).
    case text([UInt8])
    /// Close the connection with a gateway close code and a short reason.
    case close(code: UInt16, reason: String)
    /// End the connection without a close frame, as the real server does on a heartbeat timeout.
    case drop
}

/// The gateway close codes of UNCORD_API.md that the real server sends (never 4007 or 4009).
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
    /// 4008: more gateway messages than the rate limit allows.
    static let rateLimited: UInt16 = 4008
}
