package import Foundation
import Hummingbird
import HummingbirdWebSocket
public import Logging
import ServiceLifecycle
import UncordProtocol
import UnixSignals

/// The Uncord development server: the E2EE device and key routes, the DM routes and the gateway of
/// UNCORD_API.md over real HTTP and WebSocket, stored in one SQLite file.
///
/// Not for production: anyone may sign in as any user, with the bearer token `dev:<user-uuid>` or through
/// `POST /api/v1/auth/login` as `<user-uuid>@dev` with any password.
///
/// ```swift
/// let server = try DevServer(configuration: .init(port: 0, dataDirectory: directory), logger: logger)
/// try await server.run { port in print("listening on http://127.0.0.1:\(port)") }
/// ```
public struct DevServer: Sendable {
    /// The configuration it was started with.
    public let configuration: DevServerConfiguration
    let database: DevDatabase
    let hub: GatewayHub
    let limiter: RequestRateLimiter
    let authority: DevAuthority
    let logger: Logger

    /// Checks the configuration and opens (or creates) the database in its data directory.
    public init(configuration: DevServerConfiguration, logger: Logger) throws {
        try self.init(configuration: configuration, logger: logger, now: Date.init)
    }

    /// As ``init(configuration:logger:)``, with the wall clock that access, refresh and MFA tokens are issued and
    /// checked against: a test moves it on instead of sleeping past an expiry, so no load can make a fresh token look
    /// stale.
    package init(configuration: DevServerConfiguration, logger: Logger, now: @escaping @Sendable () -> Date) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        database = try DevDatabase(directory: configuration.dataDirectory)
        authority = DevAuthority(
            accessTokenLifetime: configuration.accessTokenLifetime, mfaCode: configuration.mfaCode, now: now)
        hub = GatewayHub(
            heartbeatInterval: configuration.heartbeatInterval, tokens: authority.accessTokens,
            rateLimit: configuration.gatewayRateLimit, rateWindow: configuration.gatewayRateWindow,
            identifyTimeout: configuration.identifyTimeout)
        limiter = RequestRateLimiter(perMinute: configuration.rateLimit)
    }

    /// Serves until the task is cancelled or the process gets SIGINT or SIGTERM, then shuts down gracefully: it
    /// stops accepting, closes every WebSocket connection, answers the requests under way, and returns once every
    /// connection is closed (what is left after five seconds is cancelled). `onListening` gets the
    /// bound port once the server accepts connections.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        if configuration.publishedDefects {
            logger.warning(
                """
                --published-defects: reproducing the published server's blocking defects: every device registration \
                answers 500 and registers nothing, and DM sends store no message keys, so E2EE DMs cannot work
                """)
        }
        let router = Router(context: DevContext.self)
        addRoutes(to: router)
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "uncord-devserver"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        var settings = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        settings.maximumGracefulShutdownDuration = Self.gracefulShutdownLimit
        let group = ServiceGroup(configuration: settings)
        // The group runs in a task of its own, which the caller's cancellation does not reach; a cancelled caller
        // shuts it down gracefully instead. Cancelling a NIO server outright can leave a connection it has just
        // accepted unserved, and NIO traps on such a connection (apple/swift-nio#2637): a test that stops a server
        // while a client reconnects would crash the whole test process.
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// How long a graceful shutdown may take (open WebSocket connections are closed, requests under way answered)
    /// before what is left is cancelled.
    static let gracefulShutdownLimit = Duration.seconds(5)

    private func addRoutes(to router: Router<DevContext>) {
        let api = router.group("api/v1")
        api.add(middleware: RateLimitMiddleware(limiter: limiter))
        addAuthRoutes(to: api)
        addKeyRoutes(to: api)
        addDMRoutes(to: api)
        let hub = self.hub
        let interval = configuration.heartbeatInterval
        api.ws("gateway") { inbound, outbound, context in
            let connection = GatewayConnection(
                hub: hub, heartbeatInterval: interval, channel: context.requestContext.channel)
            try await connection.run(inbound: inbound, outbound: outbound)
        }
    }

    /// Fires the events a committed change called for.
    func fire(_ events: [DevDatabase.Event]) async {
        for event in events { await hub.dispatch(event.type, event.payload, to: event.users) }
    }
}
