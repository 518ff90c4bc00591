import ArgumentParser
import Foundation

/// The options every network command shares: which server to talk to and the access token to present. Both may
/// be left out after `uncord-keys login`, which keeps the server and the account's tokens in the store.
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

    /// The server's root URL from `--server`, else `UNCORD_SERVER`, else `nil`.
    /// - Throws: ``CLIError/invalidServer(_:)`` when it is not an `http` or `https` URL with a host.
    func explicitServerURL() throws(CLIError) -> URL? {
        guard let text = server ?? Self.environment(Self.serverVariable) else { return nil }
        return try Self.url(text)
    }

    /// The server's root URL: `--server`, else `UNCORD_SERVER`.
    /// - Throws: ``CLIError/noServer`` when neither is given; ``CLIError/invalidServer(_:)`` when it is not an
    ///   `http` or `https` URL with a host.
    func serverURL() throws(CLIError) -> URL {
        guard let url = try explicitServerURL() else { throw .noServer }
        return url
    }

    /// `text` as a server URL: `http` or `https`, with a host.
    static func url(_ text: String) throws(CLIError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { throw .invalidServer(text) }
        return url
    }

    /// The access token from `--token`, else `UNCORD_TOKEN`, else `nil`.
    /// - Throws: ``CLIError/noToken`` when the one given is empty.
    func explicitAccessToken() throws(CLIError) -> String? {
        guard let value = token ?? Self.environment(Self.tokenVariable) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .noToken }
        return trimmed
    }

    /// Whether two server URLs name the same server: scheme, host and port alike, trailing slashes ignored.
    static func sameServer(_ one: String, _ other: URL) -> Bool {
        guard let first = URL(string: one) else { return false }
        func key(_ url: URL) -> String {
            let scheme = url.scheme?.lowercased() ?? ""
            let port = url.port ?? (scheme == "https" ? 443 : 80)
            var path = url.path
            while path.hasSuffix("/") { path.removeLast() }
            return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)\(path)"
        }
        return key(first) == key(other)
    }

    /// A non-empty environment variable.
    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
