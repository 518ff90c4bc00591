/// How a development server is started.
///
/// ```swift
/// let configuration = DevServerConfiguration(port: 0, dataDirectory: "/tmp/uncord-dev")
/// ```
public struct DevServerConfiguration: Sendable, Equatable {
    /// The address to bind; loopback (`127.0.0.1`) by default.
    public var host: String
    /// The port to bind; 0 picks a free one.
    public var port: Int
    /// The folder holding the SQLite file; created if missing.
    public var dataDirectory: String
    /// The heartbeat interval the gateway announces in Hello (the real server's default: 20 s).
    public var heartbeatInterval: Duration
    /// How long a gateway connection may stay without Identify or Resume before it is closed with 4003 (the real
    /// server: 30 s).
    public var identifyTimeout: Duration
    /// Whether binding a non-loopback address is allowed. Anyone who can reach the server can act as any user.
    public var allowsNonLoopback: Bool
    /// HTTP requests allowed per minute (the real server: 60 per address; here, the dev server listening on
    /// loopback, per server), answered 429 with `Retry-After` beyond; 0 turns the limit off.
    public var rateLimit: Int
    /// How long an access token issued by `POST /auth/login` or `/auth/refresh` is valid (the real server: 15
    /// minutes). `dev:<uuid>` tokens never expire.
    public var accessTokenLifetime: Duration
    /// When set, every login asks for a second factor, and this is the code `POST /auth/mfa/verify` accepts.
    public var mfaCode: String?
    /// Gateway messages one connection may send per ``gatewayRateWindow``, heartbeats included (the real server:
    /// 120 per 60 s); the next one closes the connection with 4008. 0 turns the limit off.
    public var gatewayRateLimit: Int
    /// The window ``gatewayRateLimit`` counts over.
    public var gatewayRateWindow: Duration
    /// Whether to reproduce the three defects of the published server that block E2EE (Docs/UNCORD_SERVER.md,
    /// section 3): every device registration answers 500 and registers nothing, a DM send stores none of its
    /// message keys, and adding a group DM participant would answer 500 (this server has no such route).
    public var publishedDefects: Bool

    /// A configuration; only `dataDirectory` has no default.
    public init(
        host: String = "127.0.0.1", port: Int = 0, dataDirectory: String,
        heartbeatInterval: Duration = .seconds(20), allowsNonLoopback: Bool = false, rateLimit: Int = 60,
        gatewayRateLimit: Int = 120, gatewayRateWindow: Duration = .seconds(60), publishedDefects: Bool = false,
        identifyTimeout: Duration = .seconds(30), accessTokenLifetime: Duration = .seconds(900), mfaCode: String? = nil
    ) {
        self.identifyTimeout = identifyTimeout
        self.rateLimit = rateLimit
        self.accessTokenLifetime = accessTokenLifetime
        self.mfaCode = mfaCode
        self.gatewayRateLimit = gatewayRateLimit
        self.gatewayRateWindow = gatewayRateWindow
        self.publishedDefects = publishedDefects
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.heartbeatInterval = heartbeatInterval
        self.allowsNonLoopback = allowsNonLoopback
    }

    /// Whether `host` names the loopback interface.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Refuses a non-loopback host unless ``allowsNonLoopback`` is set, saying why.
    public func validate() throws(DevServerConfigurationError) {
        guard (0...65535).contains(port) else { throw .invalidPort(port) }
        guard rateLimit >= 0 else { throw .invalidRateLimit(rateLimit) }
        guard accessTokenLifetime >= .seconds(1) else { throw .invalidTokenLifetime }
        if let mfaCode, mfaCode.isEmpty { throw .emptyMFACode }
        guard gatewayRateLimit >= 0 else { throw .invalidGatewayRateLimit(gatewayRateLimit) }
        guard gatewayRateWindow > .zero else { throw .invalidGatewayRateWindow(gatewayRateWindow) }
        guard isLoopback || allowsNonLoopback else { throw .nonLoopbackHost(host) }
    }
}

/// Why a ``DevServerConfiguration`` was refused.
public enum DevServerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host is not a loopback address and non-loopback binding was not allowed.
    case nonLoopbackHost(String)
    /// The port is outside 0…65535.
    case invalidPort(Int)
    /// The rate limit is negative.
    case invalidRateLimit(Int)
    /// The access-token lifetime is under one second.
    case invalidTokenLifetime
    /// The MFA code is empty.
    case emptyMFACode
    /// The gateway rate limit is negative.
    case invalidGatewayRateLimit(Int)
    /// The gateway rate window is not positive.
    case invalidGatewayRateWindow(Duration)

    /// The reason, in words.
    public var description: String {
        switch self {
        case .nonLoopbackHost(let host):
            return """
                refusing to listen on \(host): development authentication is the bearer token dev:<user-uuid>, \
                so anyone who can reach the server can act as any user. Use a loopback address, or pass \
                --allow-non-loopback if you really mean it.
                """
        case .invalidPort(let port):
            return "port \(port) is outside 0...65535"
        case .invalidRateLimit(let limit):
            return "the rate limit \(limit) is negative (0 turns it off)"
        case .invalidTokenLifetime:
            return "the access-token lifetime must be at least one second"
        case .emptyMFACode:
            return "the MFA code is empty"
        case .invalidGatewayRateLimit(let limit):
            return "the gateway rate limit \(limit) is negative (0 turns it off)"
        case .invalidGatewayRateWindow(let window):
            return "the gateway rate window \(window) is not positive"
        }
    }
}
