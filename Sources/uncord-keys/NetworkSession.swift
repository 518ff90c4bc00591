import ArgumentParser
import Foundation
import Logging
import UncordClient
import UncordE2EE
import UncordStore

/// What a network command works with: the server's HTTP client, a logger on standard error, and — for commands that
/// act as this device — the engine over the device store.
struct NetworkSession {
    /// The environment variable that sets the log level (`trace` … `critical`; `error` by default).
    static let logLevelVariable = "UNCORD_LOG_LEVEL"

    /// The server's root URL.
    let serverURL: URL
    /// The server's routes.
    let api: HTTPServerAPI
    /// Logs on standard error; neither the client nor the engine logs a token, a key or a message text.
    let logger: Logger
    private let token: String

    /// A session for the server and token the options name.
    /// - Throws: ``CLIError`` when the server or the token is missing or unusable.
    init(options: NetworkOptions) throws(CLIError) {
        serverURL = try options.serverURL()
        token = try options.accessToken()
        var logger = Logger(label: "uncord-keys") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel =
            ProcessInfo.processInfo.environment[Self.logLevelVariable].flatMap { Logger.Level(rawValue: $0) }
            ?? .error
        self.logger = logger
        api = HTTPServerAPI(baseURL: serverURL, token: token, logger: logger)
    }

    /// A gateway client for the same server and token.
    func gateway(configuration: GatewayConfiguration) -> GatewayClient {
        GatewayClient(baseURL: serverURL, token: token, configuration: configuration, logger: logger)
    }

    /// Opens the device store the options name.
    /// - Throws: ``CLIError/noStore(path:)`` when there is none; passphrase and store failures.
    static func openStore(_ options: StoreOptions) throws -> SQLiteStore {
        let path = options.path
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError.noStore(path: path) }
        return try SQLiteStore.open(at: path, key: try options.keySource())
    }

    /// The engine for this device over `store`, talking to this session's server.
    func engine(store: SQLiteStore) throws -> E2EEEngine {
        try E2EEEngine(store: store, server: api, logger: logger)
    }
}

extension AsyncParsableCommand {
    /// Runs `body` and turns any failure into one line on standard error, `error: …`, and exit code 1 — never a
    /// stack trace, never the token.
    func reportingNetworkFailures(storePath: String?, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(Self.line(for: error, storePath: storePath))\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The one line that describes `error`.
    static func line(for error: any Error, storePath: String?) -> String {
        switch error {
        case let error as CLIError:
            return error.description
        case let error as StoreError:
            return CLIError.store(error, path: storePath ?? "the store").description
        case let error as ClientError:
            return describe(error)
        case let error as E2EEError:
            if case .identityChanged(let user, _) = error {
                return "\(error): compare safety numbers with \(user.uuidString.lowercased()) before sending again"
            }
            if case .unknownMembers = error {
                return "\(error): give each other member with --to USER, or open the channel with "
                    + "`uncord-keys dm open USER` first"
            }
            return "\(error)"
        default:
            return "\(error)"
        }
    }

    /// The one line for a client failure.
    private static func describe(_ error: ClientError) -> String {
        switch error {
        case .unauthorized(let code, _):
            return "the server refused the access token (\(code)): check \(NetworkOptions.tokenVariable) or --token"
        case .transport(let reason):
            return "cannot reach the server (check --server or \(NetworkOptions.serverVariable)): \(reason)"
        case .timedOut:
            return "the server did not answer in time"
        case .gatewayClosed(let reason):
            return "the gateway closed the session: \(reason)"
        case .gatewayUnreachable(let attempts):
            return "cannot connect to the gateway (gave up after \(attempts) attempts; check --server or "
                + "\(NetworkOptions.serverVariable))"
        default:
            return "\(error)"
        }
    }
}
