import NIOCore
import NIOPosix

/// A loopback TCP relay in front of the development server, so the demo and the end-to-end tests can cut a
/// device's connections the way a network does: no WebSocket close, just a dead socket. While it is cut it also
/// refuses new connections, so a client has to back off and come back with Resume.
///
/// ```swift
/// let relay = try await LoopbackRelay.start(towards: "127.0.0.1", port: serverPort)
/// // point a client at http://127.0.0.1:\(relay.port)
/// await relay.cut()
/// await relay.restore()
/// ```
public actor LoopbackRelay {
    /// The port the relay listens on.
    public nonisolated let port: Int
    private let target: (host: String, port: Int)
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private var relays: [Int: (task: Task<Void, Never>, channel: any Channel)] = [:]
    private var nextID = 0
    private var down = false
    private var acceptor: Task<Void, Never>?

    private init(
        server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, port: Int,
        target: (host: String, port: Int)
    ) {
        self.server = server
        self.port = port
        self.target = target
    }

    /// Starts a relay on a free loopback port towards `host`:`port`.
    /// - Throws: NIO's error when the port cannot be bound.
    public static func start(towards host: String, port: Int) async throws -> LoopbackRelay {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        guard let listening = server.channel.localAddress?.port else {
            try? await server.channel.close()
            throw ChannelError.inappropriateOperationForState
        }
        let proxy = LoopbackRelay(server: server, port: listening, target: (host, port))
        await proxy.acceptConnections()
        return proxy
    }

    private func acceptConnections() {
        let server = self.server
        acceptor = Task {
            try? await server.executeThenClose { inbound in
                for try await child in inbound { self.accept(child) }
            }
        }
    }

    private func accept(_ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        if down {
            Task { try? await child.executeThenClose { _, _ in } }
            return
        }
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

    /// Cuts every open connection and refuses new ones until ``restore()``.
    public func cut() {
        down = true
        for relay in relays.values {
            relay.task.cancel()
            relay.channel.close(promise: nil)
        }
        relays = [:]
    }

    /// Lets connections through again.
    public func restore() {
        down = false
    }

    /// Stops listening and cuts everything.
    public func close() async {
        cut()
        acceptor?.cancel()
        try? await server.channel.close()
    }

    /// Copies bytes both ways until either side ends or the task is cancelled.
    private static func relay(
        _ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>, to target: (host: String, port: Int)
    ) async {
        do {
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await child.executeThenClose { clientIn, clientOut in
                try await upstream.executeThenClose { serverIn, serverOut in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { for try await bytes in clientIn { try await serverOut.write(bytes) } }
                        group.addTask { for try await bytes in serverIn { try await clientOut.write(bytes) } }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            }
        } catch {
            try? await child.channel.close()
        }
    }
}
