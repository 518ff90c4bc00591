import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// One WebSocket connection to the gateway: feeds the client's messages to the hub, writes what the hub sends,
/// and watches the heartbeat.
struct GatewayConnection: Sendable {
    let hub: GatewayHub
    let heartbeatInterval: Duration
    /// The connection's TCP channel, closed directly to end the connection without a close frame.
    let channel: any Channel

    /// The largest message a client may send: 4096 bytes, as on the real server (a larger one ends the connection).
    static let maximumMessageSize = 4096

    /// Runs until either side closes the connection.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: GatewayOutput.self)
        let id = try await hub.open(continuation)
        defer { continuation.finish() }
        let hub = self.hub
        let interval = heartbeatInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval / 4) } catch { return }
                    if await hub.checkHeartbeat(id) { return }
                }
            }
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: Self.maximumMessageSize) {
                        switch message {
                        case .text(let text): await hub.receive(Array(text.utf8), from: id)
                        case .binary(let buffer): await hub.receive(Array(buffer.readableBytesView), from: id)
                        }
                    }
                } catch {}
                continuation.finish()
            }
            await Self.write(stream, to: outbound, channel: channel)
            group.cancelAll()
        }
        await hub.closed(id)
    }

    /// Writes the hub's output until the stream ends or a close is sent.
    private static func write(
        _ stream: AsyncStream<GatewayOutput>, to outbound: WebSocketOutboundWriter, channel: any Channel
    ) async {
        for await output in stream {
            switch output {
            case .text(let bytes):
                do {
                    try await outbound.write(.text(String(decoding: bytes, as: UTF8.self)))
                } catch { return }
            case .close(let code, let reason):
                try? await outbound.close(.unknown(code), reason: reason)
                return
            case .drop:
                try? await channel.close()
                return
            }
        }
    }
}
