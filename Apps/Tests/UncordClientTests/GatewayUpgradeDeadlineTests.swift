import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import UncordClient

/// A peer that accepts the TCP connection and then never completes the WebSocket upgrade — silent, or closing at
/// once — must not hang the gateway client: the attempt is given up after the Hello timeout, and ``stop()`` ends
/// a pending one at once.
@Suite(.timeLimit(.minutes(1)))
struct GatewayUpgradeDeadlineTests {
    @Test(arguments: [false, true])
    func aPeerThatNeverUpgradesIsRetriedThenGivenUp(closesAtOnce: Bool) async throws {
        let peer = try await NonUpgradingPeer.start(closesAtOnce: closesAtOnce)
        let client = GatewayClient(
            baseURL: try #require(URL(string: "http://127.0.0.1:\(peer.port)")), token: "t",
            configuration: GatewayConfiguration(
                helloTimeout: .milliseconds(300), initialBackoff: .milliseconds(10),
                maximumBackoff: .milliseconds(20), maximumAttempts: 2),
            logger: Logger(label: "test"))
        await #expect(throws: ClientError.gatewayUnreachable(attempts: 2)) { try await client.run() }
        #expect(peer.connections == 2)
        try await peer.close()
    }

    @Test func stopEndsAPendingUpgrade() async throws {
        let peer = try await NonUpgradingPeer.start(closesAtOnce: false)
        let client = GatewayClient(
            baseURL: try #require(URL(string: "http://127.0.0.1:\(peer.port)")), token: "t",
            configuration: GatewayConfiguration(helloTimeout: .seconds(600)), logger: Logger(label: "test"))
        let running = Task { try await client.run() }
        while peer.connections == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await client.stop()
        try await running.value
        #expect(peer.connections == 1)
        try await peer.close()
    }
}

/// A loopback TCP server that counts connections and never answers; it closes each at once when asked to.
private final class NonUpgradingPeer: Sendable {
    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let closesAtOnce: Bool
        let count = Mutex(0)

        init(closesAtOnce: Bool) {
            self.closesAtOnce = closesAtOnce
        }

        func channelActive(context: ChannelHandlerContext) {
            count.withLock { $0 += 1 }
            if closesAtOnce { context.close(promise: nil) }
        }
    }

    private let channel: any Channel
    private let handler: Handler
    let port: Int

    private init(channel: any Channel, handler: Handler, port: Int) {
        self.channel = channel
        self.handler = handler
        self.port = port
    }

    var connections: Int { handler.count.withLock { $0 } }

    static func start(closesAtOnce: Bool) async throws -> NonUpgradingPeer {
        let handler = Handler(closesAtOnce: closesAtOnce)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ChannelError.inappropriateOperationForState }
        return NonUpgradingPeer(channel: channel, handler: handler, port: port)
    }

    func close() async throws { try await channel.close() }
}
