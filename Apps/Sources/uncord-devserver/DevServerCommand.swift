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
            Authentication is the bearer token dev:<user-uuid>, or POST /api/v1/auth/login as <user-uuid>@dev with \
            any password (access tokens that expire, refresh tokens that rotate, as on the real server): anyone who \
            can reach the server can act as any user. It listens on loopback unless --allow-non-loopback is given. \
            Not for production.
            """)

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "The folder for the SQLite data file (created if missing).")
    var data: String

    @Option(help: "The address to bind.")
    var host: String = "127.0.0.1"

    @Flag(help: "Allow binding a non-loopback address (anyone who reaches it can act as any user).")
    var allowNonLoopback = false

    @Option(help: "The gateway heartbeat interval in milliseconds (the real server's default).")
    var heartbeatInterval: Int = 20_000

    @Option(help: "HTTP requests allowed per minute, then 429 with Retry-After, as the real server (0 turns it off).")
    var rateLimit: Int = 60

    @Option(
        help: "How long an access token from /auth/login or /auth/refresh is valid, in seconds (the real server: 900).")
    var accessTokenLifetime: Int = 900

    @Option(help: "Make every login ask for a second factor, and accept this code at /auth/mfa/verify.")
    var mfaCode: String?

    @Option(
        help: """
            Gateway messages one connection may send per minute, heartbeats included, then close 4008, as the real \
            server (0 turns it off).
            """)
    var gatewayRateLimit: Int = 120

    @Flag(
        help: """
            Reproduce the published server's blocking defects: every device registration answers 500, DM sends \
            store no message keys. For testing how clients cope; E2EE DMs cannot work.
            """)
    var publishedDefects = false

    @Flag(help: "Shut down when standard input closes, so the server ends with the parent process that started it.")
    var exitWhenInputCloses = false

    func run() async throws {
        guard heartbeatInterval > 0 else { throw ValidationError("--heartbeat-interval must be positive") }
        let configuration = DevServerConfiguration(
            host: host, port: port, dataDirectory: data, heartbeatInterval: .milliseconds(heartbeatInterval),
            allowsNonLoopback: allowNonLoopback, rateLimit: rateLimit, gatewayRateLimit: gatewayRateLimit,
            publishedDefects: publishedDefects, accessTokenLifetime: .seconds(accessTokenLifetime), mfaCode: mfaCode)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "uncord-devserver")
        logger.logLevel = .warning
        let server = try DevServer(configuration: configuration, logger: logger)
        let host = self.host
        let serving = Task {
            try await server.run { port in
                let display = host.contains(":") ? "[\(host)]" : host
                FileHandle.standardOutput.write(Data("listening on http://\(display):\(port)\n".utf8))
            }
        }
        if exitWhenInputCloses {
            Task.detached {
                await Self.endOfStandardInput()
                serving.cancel()
            }
        }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            serving.cancel()
        }
    }

    /// Returns once standard input reaches its end (or fails): the parent closed it, or died.
    private static func endOfStandardInput() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 512)
                while read(STDIN_FILENO, &buffer, buffer.count) > 0 {}
                done.resume()
            }
        }
    }
}
