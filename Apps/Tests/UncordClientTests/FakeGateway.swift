import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import NIOWebSocket
import Testing
import UncordProtocol

/// What a fake gateway connection does after Hello; it gets the client's opening frame and the connection's index
/// (0 for the first), and answers the frames to send, then whether to ack heartbeats and how to end.
struct GatewayScript: Sendable {
    /// The frames to send once the opening frame arrived.
    var frames: [String]
    /// Whether heartbeats are acknowledged.
    var acksHeartbeats = true
    /// After how many heartbeats the server closes (nil: never; it then waits for the client to go).
    var closeAfterHeartbeats: Int?
    /// The close code to close with.
    var closeCode = 1000
    /// The heartbeat interval its Hello names, in milliseconds (nil: the one the gateway was started with).
    var heartbeat: Int?
}

/// Records what the clients sent to the fake gateway.
actor FakeGatewayState {
    /// The opening frame (Identify or Resume) of every connection, in order.
    private(set) var openings: [Frame] = []
    /// When each opening frame arrived.
    private(set) var openedAt: [ContinuousClock.Instant] = []
    private(set) var heartbeats = 0
    private var connections = 0
    private let scripts: [GatewayScript]

    init(scripts: [GatewayScript]) {
        self.scripts = scripts
    }

    /// Records an opening frame and answers the connection's script.
    func open(_ frame: Frame) -> GatewayScript {
        openings.append(frame)
        openedAt.append(.now)
        let index = openings.count - 1
        return index < scripts.count
            ? scripts[index] : GatewayScript(frames: [], closeAfterHeartbeats: 0, closeCode: 4004)
    }

    /// Counts a new connection and answers the heartbeat interval its Hello names: its script's, or `fallback`.
    func connected(fallback: Int) -> Int {
        connections += 1
        return connections <= scripts.count ? scripts[connections - 1].heartbeat ?? fallback : fallback
    }

    func heartbeat() {
        heartbeats += 1
    }
}

/// Runs `body` with the base URL of a live fake gateway at `/api/v1/gateway` that sends Hello (interval
/// `heartbeat` ms) and follows one script per connection.
func withFakeGateway(
    _ state: FakeGatewayState, heartbeat: Int, _ body: @escaping @Sendable (URL) async throws -> Void
) async throws {
    let router = Router(context: BasicWebSocketRequestContext.self)
    router.ws("/api/v1/gateway") { _, _ in
        .upgrade()
    } onUpgrade: { inbound, outbound, _ in
        let interval = await state.connected(fallback: heartbeat)
        try await outbound.write(.text(#"{"op":10,"d":{"heartbeat_interval":\#(interval)}}"#))
        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        guard case .text(let opening) = try await messages.next() else { return }
        let script = await state.open(try Frame(parsing: opening))
        for frame in script.frames { try await outbound.write(.text(frame)) }
        var beats = 0
        if script.closeAfterHeartbeats == 0 {
            try await outbound.close(WebSocketErrorCode(codeNumber: script.closeCode), reason: nil)
            return
        }
        while let message = try await messages.next() {
            guard case .text(let text) = message, let frame = try? Frame(parsing: text), frame.op == .heartbeat
            else { continue }
            await state.heartbeat()
            beats += 1
            if script.acksHeartbeats { try await outbound.write(.text(#"{"op":11}"#)) }
            if let limit = script.closeAfterHeartbeats, beats >= limit {
                try await outbound.close(WebSocketErrorCode(codeNumber: script.closeCode), reason: nil)
                return
            }
        }
    }
    let app = Application(
        router: Router(), server: .http1WebSocketUpgrade(webSocketRouter: router),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        let port = try #require(client.port)
        let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
        try await body(url)
    }
}

/// A dispatch frame's text.
func dispatch(_ sequence: Int?, _ type: String, _ data: String = "{}") -> String {
    let s = sequence.map { #","s":\#($0)"# } ?? ""
    return #"{"op":0\#(s),"t":"\#(type)","d":\#(data)}"#
}

/// A READY dispatch for session `session`.
func ready(_ sequence: Int, session: String) -> String {
    dispatch(sequence, "READY", #"{"session_id":"\#(session)","user":{"id":"00000000-0000-4000-8000-00000000000a"}}"#)
}
