import ArgumentParser
import Foundation
import Logging
import UncordDevServer

/// `uncord-devserver`: the Uncord development server (fake authentication; never for production).
@main
struct DevServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uncord-devserver",
        abstract: "A local Uncord-compatible server for development: E2EE keys, DMs and the gateway.",
        discussion: """
            Authentication is the bearer token dev:<user-uuid>: anyone who can reach the server can act as any \
            user. It listens on loopback unless --allow-non-loopback is given. Not for production.
            """)

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "The folder for the SQLite data file (created if missing).")
    var data: String

    @Option(help: "The address to bind.")
    var host: String = "127.0.0.1"

    @Flag(help: "Allow binding a non-loopback address (anyone who reaches it can act as any user).")
    var allowNonLoopback = false

    @Option(help: "The gateway heartbeat interval in milliseconds.")
    var heartbeatInterval: Int = 41_250

    func run() async throws {
        guard heartbeatInterval > 0 else { throw ValidationError("--heartbeat-interval must be positive") }
        let configuration = DevServerConfiguration(
            host: host, port: port, dataDirectory: data, heartbeatInterval: .milliseconds(heartbeatInterval),
            allowsNonLoopback: allowNonLoopback)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "uncord-devserver")
        logger.logLevel = .warning
        let server = try DevServer(configuration: configuration, logger: logger)
        let host = self.host
        try await server.run { port in
            let display = host.contains(":") ? "[\(host)]" : host
            FileHandle.standardOutput.write(Data("listening on http://\(display):\(port)\n".utf8))
        }
    }
}
