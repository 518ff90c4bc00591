import NIOCore
import NIOPosix

/// A loopback TCP relay in front of the development server, so the demo and the end-to-end tests can cut a
/// device's connections the way a network does: no WebSocket close, just a dead socket. While it is cut its port
/// refuses connections, so a client has to back off and come back with Resume.
///
/// ```swift
/// let relay = try await LoopbackRelay.start(towards: "127.0.0.1", port: serverPort)
/// // point a client at http://127.0.0.1:\(relay.port)
/// await relay.cut()
/// try await relay.restore()
/// ```
public actor LoopbackRelay {
    private typealias Listener = NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    /// The port the relay listens on; it stays the same across a cut.
    public nonisolated let port: Int
    private let target: (host: String, port: Int)
    private var listener: Listener?
    private var relays: [Int: (task: Task<Void, Never>, channel: any Channel)] = [:]
    private var nextID = 0
    private var acceptor: Task<Void, Never>?

    private init(listener: Listener, port: Int, target: (host: String, port: Int)) {
        self.listener = listener
        self.port = port
        self.target = target
    }

    /// Starts a relay on a free loopback port towards `host`:`port`.
    /// - Throws: NIO's error when the port cannot be bound.
    public static func start(towards host: String, port: Int) async throws -> LoopbackRelay {
        let listener = try await bind(port: 0)
        guard let listening = listener.channel.localAddress?.port else {
            try? await listener.channel.close()
            throw ChannelError.inappropriateOperationForState
        }
        let relay = LoopbackRelay(listener: listener, port: listening, target: (host, port))
        await relay.acceptConnections()
        return relay
    }

    private static func bind(port: Int) async throws -> Listener {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func acceptConnections() {
        guard let listener else { return }
        acceptor = Task {
            try? await listener.executeThenClose { inbound in
                for try await child in inbound { self.accept(child) }
            }
        }
    }

    private func accept(_ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        nextID += 1
        let id = nextID
        let target = self.target
        let task = Task {
            await Self.relay(child, to: target)
            self.finished(id)
        }
        relays[id] = (task, child.channel)
    }

    private func finished(_ id: Int) {
        relays[id] = nil
    }

    /// Cuts every open connection and stops listening: new connections are refused until ``restore()``.
    ///
    /// The listener is closed and its accept loop left to end by itself, taking every connection accepted before
    /// the close, which is then cut with the rest: cancelling the loop instead can drop a connection NIO has just
    /// accepted, and NIO traps on one that is never served (apple/swift-nio#2637).
    public func cut() async {
        let accepting = acceptor
        acceptor = nil
        if let listener {
            self.listener = nil
            try? await listener.channel.close()
        }
        await accepting?.value
        for relay in relays.values {
            relay.task.cancel()
            relay.channel.close(promise: nil)
        }
        relays = [:]
    }

    /// Listens on the same port again.
    /// - Throws: NIO's error when the port cannot be bound again.
    public func restore() async throws {
        guard listener == nil else { return }
        listener = try await Self.bind(port: port)
        acceptConnections()
    }

    /// Stops listening and cuts everything.
    public func close() async {
        await cut()
    }

    /// Copies bytes both ways until either side ends or the task is cancelled. Both channels are always served
    /// and closed through `executeThenClose`, so that their writers are finished (NIO traps on one that is not).
    private static func relay(
        _ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>, to target: (host: String, port: Int)
    ) async {
        let upstream: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            try? await child.executeThenClose { _, _ in }
            return
        }
        try? await child.executeThenClose { clientIn, clientOut in
            try await upstream.executeThenClose { serverIn, serverOut in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await bytes in clientIn { try await serverOut.write(bytes) } }
                    group.addTask { for try await bytes in serverIn { try await clientOut.write(bytes) } }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        }
    }
}
