import ArgumentParser
import Foundation
import Logging
import UncordClient
import UncordE2EE
import UncordRatchet
import UncordStore

/// What a network command works with: the server's HTTP client, a logger on standard error, and — for commands that
/// act as this device — the engine over the device store.
///
/// The access token is `--token` or `UNCORD_TOKEN` when given, else the account `uncord-keys login` signed in
/// (kept sealed in the store), refreshed as it expires with each rotated refresh token saved before it is used.
/// The server is `--server` or `UNCORD_SERVER`, else the one signed in to.
struct NetworkSession {
    /// The environment variable that sets the log level (`trace` … `critical`; `error` by default).
    static let logLevelVariable = "UNCORD_LOG_LEVEL"

    /// The server's root URL.
    let serverURL: URL
    /// The server's routes.
    let api: HTTPServerAPI
    /// Logs on standard error; neither the client nor the engine logs a token, a key or a message text.
    let logger: Logger
    private let tokens: any AccessTokenProvider

    /// A session for the server and token the options name, or the account signed in to in `store`.
    /// - Throws: ``CLIError`` when the server or the token is missing or unusable.
    init(options: NetworkOptions, store: SQLiteStore? = nil) throws(CLIError) {
        logger = Self.makeLogger()
        let signedIn: ServerCredentials?
        do {
            signedIn = try store?.serverCredentials()
        } catch {
            throw .storeUnreadable(String(describing: error))
        }
        let explicitServer = try options.explicitServerURL()
        guard let server = explicitServer ?? signedIn.flatMap({ URL(string: $0.serverURL) }) else {
            throw .noServer
        }
        serverURL = server
        if let token = try options.explicitAccessToken() {
            tokens = FixedAccessToken(token)
        } else if let signedIn, let store, NetworkOptions.sameServer(signedIn.serverURL, server) {
            tokens = RefreshingAccessToken(
                baseURL: server, tokens: signedIn.tokens, store: StoredSignIn(store: store, signedIn: signedIn),
                logger: logger)
        } else if let signedIn {
            throw .signedInElsewhere(signedIn: signedIn.serverURL, asked: server.absoluteString)
        } else {
            throw .noToken
        }
        api = HTTPServerAPI(baseURL: serverURL, tokens: tokens, logger: logger)
    }

    /// A logger on standard error at the level `UNCORD_LOG_LEVEL` names (`error` by default).
    static func makeLogger() -> Logger {
        var logger = Logger(label: "uncord-keys") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel =
            ProcessInfo.processInfo.environment[logLevelVariable].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }

    /// A gateway client for the same server and tokens.
    func gateway(configuration: GatewayConfiguration) -> GatewayClient {
        GatewayClient(baseURL: serverURL, tokens: tokens, configuration: configuration, logger: logger)
    }

    /// Opens the device store the options name.
    /// - Throws: ``CLIError/noStore(path:)`` when there is none; passphrase and store failures.
    static func openStore(_ options: StoreOptions) throws -> SQLiteStore {
        let path = options.path
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError.noStore(path: path) }
        return try SQLiteStore.open(at: path, key: try options.keySource())
    }

    /// The engine for this device over `store`, talking to this session's server.
    func engine(store: SQLiteStore, configuration: E2EEConfiguration = .init()) throws -> E2EEEngine {
        try E2EEEngine(store: store, server: api, logger: logger, configuration: configuration)
    }

    /// Opens the store, checks the device is registered and makes the session and its engine. With `probe`, one
    /// request first fails early, with the client's own error, when the server is unreachable or refuses the token.
    static func registered(
        _ network: NetworkOptions, _ options: StoreOptions, configuration: E2EEConfiguration = .init(),
        probe: Bool = true
    ) async throws -> (NetworkSession, SQLiteStore, E2EEEngine) {
        let store = try openStore(options)
        let session = try NetworkSession(options: network, store: store)
        guard try store.isRegistered() else { throw CLIError.notRegistered }
        if probe { _ = try await session.api.oneTimePreKeyCount(device: try store.localIdentity().address.device) }
        return (session, store, try session.engine(store: store, configuration: configuration))
    }
}

extension AsyncParsableCommand {
    /// Runs `body` and turns any failure into one line on standard error, `error: …`, and its exit code (1, or 3
    /// for a refusal by the trust policy) — never a stack trace, never the token.
    func reportingNetworkFailures(storePath: String?, _ body: () async throws -> Void) async throws {
        try await reportingFailures(storePath: storePath, body)
    }
}
