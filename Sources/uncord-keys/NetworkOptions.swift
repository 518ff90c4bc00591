import ArgumentParser
import Foundation

/// The options every network command shares: which server to talk to and the access token to present.
///
/// The token is never printed or logged; prefer `UNCORD_TOKEN` to `--token`, which other users of the machine may
/// see in the process list.
struct NetworkOptions: ParsableArguments {
    /// The environment variable that may hold the server URL.
    static let serverVariable = "UNCORD_SERVER"
    /// The environment variable that may hold the access token.
    static let tokenVariable = "UNCORD_TOKEN"

    @Option(
        name: .customLong("server"),
        help: ArgumentHelp(
            "The Uncord server, such as http://127.0.0.1:8080 (default: \(serverVariable)).", valueName: "url"))
    var server: String?

    @Option(
        name: .customLong("token"),
        help: ArgumentHelp("The access token (default: \(tokenVariable)); never printed.", valueName: "token"))
    var token: String?

    /// The server's root URL: `--server`, else `UNCORD_SERVER`.
    /// - Throws: ``CLIError/noServer`` when neither is given; ``CLIError/invalidServer(_:)`` when it is not an
    ///   `http` or `https` URL with a host.
    func serverURL() throws(CLIError) -> URL {
        guard let text = server ?? Self.environment(Self.serverVariable) else { throw .noServer }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { throw .invalidServer(text) }
        return url
    }

    /// The access token: `--token`, else `UNCORD_TOKEN`.
    /// - Throws: ``CLIError/noToken`` when neither is given or it is empty.
    func accessToken() throws(CLIError) -> String {
        guard let value = token ?? Self.environment(Self.tokenVariable) else { throw .noToken }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .noToken }
        return trimmed
    }

    /// A non-empty environment variable.
    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
