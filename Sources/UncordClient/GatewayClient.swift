public import Foundation
internal import HummingbirdWSClient
public import Logging
internal import NIOCore
internal import NIOWebSocket
public import UncordProtocol

/// The Uncord gateway over WebSocket (`/api/v1/gateway`): Hello, Identify or Resume, heartbeats, and reconnects.
///
/// ``run()`` connects and keeps the session alive until ``stop()``, cancellation or a fatal close. It answers Hello
/// with Identify (the first time) or Resume with the last sequence number `s` it saw (after a drop), sends
/// `{"op":1}` every `heartbeat_interval` and reconnects when an `{"op":11}` does not arrive before the next beat. It
/// obeys Reconnect (op 7) and InvalidSession (op 9: `true` resumes, `false` identifies anew), maps close codes with
/// ``GatewayCloseReason`` and backs off between failed attempts; after a 4008 (rate limited) it waits at least
/// ``GatewayConfiguration/rateLimitedBackoff``. Each connection presents the token its ``AccessTokenProvider``
/// gives; a close 4004 renews it once and reconnects, and is fatal only when the renewal fails or the renewed token
/// is refused too.
///
/// Every message other than the connection's own control frames (Hello, Heartbeat, HeartbeatAck, Reconnect,
/// InvalidSession) is yielded to ``frames`` as a ``ReceivedFrame`` — its exact bytes and the frame read from them,
/// parsed once — in the order received; dispatches replayed after a resume come in the server's order. The token
/// is never logged.
///
/// ```swift
/// let gateway = GatewayClient(baseURL: serverURL, token: token, logger: logger)
/// Task { try await gateway.run() }
/// for await event in engine.events(from: gateway.frames) { show(event) }
/// ```
public actor GatewayClient {
    /// The frames for the app, one per WebSocket message, in order, each parsed once; it finishes when ``run()``
    /// ends.
    public nonisolated let frames: AsyncStream<ReceivedFrame>
    /// The gateway's WebSocket URL.
    public nonisolated let url: String
    private let continuation: AsyncStream<ReceivedFrame>.Continuation
    private let tokens: any AccessTokenProvider
    /// The access token the current connection presents.
    private var token = ""
    /// Whether the last connection was closed 4004 right after its token was renewed: a second refusal is fatal.
    private var renewedAfterRefusal = false
    private let configuration: GatewayConfiguration
    private let logger: Logger

    /// The session to resume, from READY.
    private var sessionID: String?
    /// The highest `s` seen in this session.
    private var lastSequence: Int64?
    /// What the current connection decided should happen next (op 7, op 9, a missed ACK, a stop).
    private var decision: Decision?
    /// Whether the last heartbeat was acknowledged.
    private var acknowledged = true
    /// Whether the current connection has received Hello.
    private var greeted = false
    /// Whether the current connection reached READY or RESUMED.
    private var established = false
    /// Whether the current connection ended with close 4008 (rate limited).
    private var rateLimited = false
    private var outbound: WebSocketOutboundWriter?
    private var stopped = false
    private var running = false
    private var backoffTask: Task<Void, Never>?
    /// The current connection attempt: its number, the task running it, and where its outcome goes.
    private var attempt: (id: Int, task: Task<Void, Never>, outcome: CheckedContinuation<AttemptOutcome, Never>)?
    private var attemptCount = 0
    /// Whether the current connection completed its WebSocket upgrade.
    private var upgraded = false

    /// A client for the gateway of the server at `baseURL` that presents the one access `token`.
    public init(
        baseURL: URL, token: String, configuration: GatewayConfiguration = GatewayConfiguration(), logger: Logger
    ) {
        self.init(baseURL: baseURL, tokens: FixedAccessToken(token), configuration: configuration, logger: logger)
    }

    /// A client for the gateway of the server at `baseURL` (`http://host:port`; `https` uses `wss`) that presents
    /// the access tokens `tokens` provides: asked before every connection (so one about to expire is renewed
    /// first), and renewed once when the gateway refuses one (close 4004).
    public init(
        baseURL: URL, tokens: any AccessTokenProvider, configuration: GatewayConfiguration = GatewayConfiguration(),
        logger: Logger
    ) {
        var root = baseURL.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasPrefix("https://") {
            root = "wss://" + root.dropFirst("https://".count)
        } else if root.hasPrefix("http://") {
            root = "ws://" + root.dropFirst("http://".count)
        }
        url = root + "/api/v1/gateway"
        self.tokens = tokens
        self.configuration = configuration
        self.logger = logger
        (frames, continuation) = AsyncStream.makeStream(of: ReceivedFrame.self, bufferingPolicy: .unbounded)
    }

    /// Connects and keeps the session alive, reconnecting after drops, until ``stop()`` or cancellation (then it
    /// returns) or a failure it must not retry (then it throws). ``frames`` finishes when it ends.
    /// - Throws: ``ClientError/gatewayClosed(_:)`` for a fatal close code (4004),
    ///   ``ClientError/gatewayUnreachable(attempts:)`` after too many failed attempts,
    ///   ``ClientError/invalidRequest(reason:)`` when called while already running.
    public func run() async throws(ClientError) {
        guard !running else { throw .invalidRequest(reason: "the gateway client is already running") }
        running = true
        defer {
            running = false
            continuation.finish()
        }
        var failures = 0
        var rateLimitedCloses = 0
        while !stopped && !Task.isCancelled {
            switch await connectOnce() {
            case .stop:
                return
            case .fatal(let error):
                logger.warning("gateway session ended", metadata: ["reason": "\(error)"])
                throw error
            case .renewed:
                continue
            case .reconnect(let resume):
                if !resume {
                    sessionID = nil
                    lastSequence = nil
                }
                failures = established ? 0 : failures + 1
                if let limit = configuration.maximumAttempts, failures >= limit {
                    throw .gatewayUnreachable(attempts: failures)
                }
                rateLimitedCloses = rateLimited ? rateLimitedCloses + 1 : 0
                let delay =
                    rateLimited
                    ? configuration.rateLimitedDelay(
                        afterCloses: rateLimitedCloses, jitter: Double.random(in: 1...1.25))
                    : configuration.backoff(afterFailures: failures, jitter: Double.random(in: 0.5...1))
                logger.info(
                    "gateway reconnecting", metadata: ["resume": "\(resume)", "delay": "\(delay)"])
                await pause(for: delay)
            }
        }
    }

    /// Ends ``run()``: closes the connection and cancels a pending reconnect.
    public func stop() async {
        stopped = true
        decision = .stop
        backoffTask?.cancel()
        if let current = attempt { abandonAttempt(current.id, onlyBeforeUpgrade: true) }
        if let outbound {
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }

    // MARK: One connection

    /// What happens after a connection ends.
    enum Decision: Sendable {
        /// Connect again; `resume` says whether to Resume (or Identify anew).
        case reconnect(resume: Bool)
        /// Stop without error.
        case stop
        /// Stop with this error.
        case fatal(ClientError)
        /// Connect again at once with the renewed token, resuming.
        case renewed
    }

    /// What the reading loop does after one message.
    enum Step: Sendable {
        /// Nothing more.
        case none
        /// Sends this text.
        case send(String)
        /// Sends the opening frame (Identify or Resume) and starts beating at `interval`.
        case open(String, interval: Duration)
        /// Closes the connection; ``decision`` says what comes next.
        case close
    }

    /// Runs one connection to its end and says what to do next.
    private func connectOnce() async -> Decision {
        decision = nil
        acknowledged = true
        greeted = false
        established = false
        rateLimited = false
        do {
            token = try await tokens.accessToken()
        } catch .signInRequired(let code) {
            return .fatal(.signInRequired(code: code))
        } catch .credentialsNotSaved(let reason) {
            return .fatal(.credentialsNotSaved(reason: reason))
        } catch .cancelled {
            return .stop
        } catch {
            logger.info("no access token for the gateway yet", metadata: ["error": "\(error)"])
            return .reconnect(resume: true)
        }
        let settings = WebSocketClientConfiguration(
            maxFrameSize: configuration.maximumMessageSize, closeTimeout: configuration.closeTimeout)
        let close: WebSocketCloseFrame?
        switch await runAttempt(settings) {
        case .closed(let frame):
            close = frame
        case .failed(let error):
            outbound = nil
            if stopped || Task.isCancelled { return .stop }
            if let decision { return decision }
            logger.info("gateway connection failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            return .reconnect(resume: true)
        case .abandoned:
            outbound = nil
            if stopped || Task.isCancelled { return .stop }
            logger.info("gateway connection not upgraded in time; retrying")
            return .reconnect(resume: true)
        }
        outbound = nil
        if stopped || Task.isCancelled { return .stop }
        if let decision { return decision }
        let reason = GatewayCloseReason(code: close.map { UInt16(webSocketErrorCode: $0.closeCode) })
        logger.info("gateway connection closed", metadata: ["reason": "\(reason)"])
        rateLimited = reason == .rateLimited
        if reason == .authenticationFailed { return await renewAfterRefusal() }
        renewedAfterRefusal = false
        if reason.isFatal { return .fatal(.gatewayClosed(reason)) }
        return .reconnect(resume: reason.canResume)
    }

    /// After a close 4004: renews the access token and reconnects at once, or ends the session when the token
    /// cannot be renewed or a renewed one was refused too.
    private func renewAfterRefusal() async -> Decision {
        guard !renewedAfterRefusal else { return .fatal(.gatewayClosed(.authenticationFailed)) }
        do {
            _ = try await tokens.renewAccessToken(rejected: token)
        } catch .unauthorized {
            return .fatal(.gatewayClosed(.authenticationFailed))
        } catch .cancelled {
            return .stop
        } catch {
            logger.warning("the access token could not be renewed", metadata: ["error": "\(error)"])
            return .fatal(error)
        }
        logger.info("access token refused by the gateway; renewed, reconnecting")
        renewedAfterRefusal = true
        return .renewed
    }

    /// How one connection attempt ended.
    enum AttemptOutcome: Sendable {
        /// The connection ran and closed, with the server's close frame if any.
        case closed(WebSocketCloseFrame?)
        /// The connection failed.
        case failed(any Error)
        /// The WebSocket upgrade did not complete within the Hello timeout, or the client stopped first; the
        /// attempt was cancelled and left behind.
        case abandoned
    }

    /// Runs `client` until its connection ends — or, when its WebSocket upgrade has not completed within the Hello
    /// timeout (a peer that accepts the TCP connection and then never answers, or closes it without a response,
    /// which the WebSocket library does not notice), gives up on it. ``stop()`` and cancellation end a pending
    /// upgrade at once.
    private func runAttempt(_ settings: WebSocketClientConfiguration) async -> AttemptOutcome {
        attemptCount += 1
        let id = attemptCount
        upgraded = false
        let deadline = Task {
            try? await Task.sleep(for: configuration.helloTimeout)
            if !Task.isCancelled { self.abandonAttempt(id, onlyBeforeUpgrade: true) }
        }
        defer { deadline.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (outcome: CheckedContinuation<AttemptOutcome, Never>) in
                let (url, logger) = (self.url, self.logger)
                let task = Task {
                    let client = WebSocketClient(url: url, configuration: settings, logger: logger) {
                        inbound, outbound, _ in try await self.serve(inbound: inbound, outbound: outbound)
                    }
                    let result: AttemptOutcome
                    do {
                        result = .closed(try await client.run())
                    } catch {
                        result = .failed(error)
                    }
                    self.finishAttempt(id, result)
                }
                attempt = (id, task, outcome)
            }
        } onCancel: {
            Task { await self.abandonAttempt(id, onlyBeforeUpgrade: false) }
        }
    }

    /// Delivers the outcome of attempt `id`, once.
    private func finishAttempt(_ id: Int, _ outcome: AttemptOutcome) {
        guard let current = attempt, current.id == id else { return }
        attempt = nil
        current.outcome.resume(returning: outcome)
    }

    /// Cancels attempt `id`. Before its upgrade it is given up at once; after it, the connection's own end is
    /// awaited (cancellation closes it), unless `onlyBeforeUpgrade`, when nothing is done.
    private func abandonAttempt(_ id: Int, onlyBeforeUpgrade: Bool) {
        guard let current = attempt, current.id == id else { return }
        if upgraded {
            if !onlyBeforeUpgrade { current.task.cancel() }
            return
        }
        current.task.cancel()
        finishAttempt(id, .abandoned)
    }

    /// The WebSocket handler: reads messages in order, answers Hello, and beats until the connection ends.
    private nonisolated func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        await attach(outbound)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.watchHello(outbound) }
            for try await message in inbound.messages(maxSize: configuration.maximumMessageSize) {
                let bytes: [UInt8]
                switch message {
                case .text(let text): bytes = Array(text.utf8)
                case .binary(var buffer): bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                }
                switch await handle(ReceivedFrame(bytes: bytes)) {
                case .none:
                    break
                case .send(let text):
                    try await outbound.writeTextMessage(text)
                case .open(let text, let interval):
                    try await outbound.writeTextMessage(text)
                    group.addTask { try await self.beat(outbound, every: interval) }
                case .close:
                    try await outbound.close(Self.resumableClose, reason: nil)
                }
            }
            group.cancelAll()
        }
    }

    /// A client close code that keeps the session resumable (1000 and 1001 may end it on the server).
    private static let resumableClose = WebSocketErrorCode(codeNumber: 4000)

    /// Drops the connection when no Hello arrives in time.
    private func watchHello(_ outbound: WebSocketOutboundWriter) async throws {
        try await Task.sleep(for: configuration.helloTimeout)
        guard !greeted else { return }
        logger.info("gateway sent no Hello in time")
        decision = decision ?? .reconnect(resume: true)
        try await outbound.close(Self.resumableClose, reason: nil)
    }

    /// Sends a heartbeat every `interval`; drops the connection when the previous one was not acknowledged.
    private nonisolated func beat(_ outbound: WebSocketOutboundWriter, every interval: Duration) async throws {
        while true {
            try await Task.sleep(for: interval)
            guard await takeAcknowledgement() else {
                try await outbound.close(Self.resumableClose, reason: nil)
                return
            }
            try await outbound.writeTextMessage(#"{"op":1}"#)
        }
    }

    /// Whether the last heartbeat was acknowledged; arms the check for the next one. A miss decides to reconnect.
    private func takeAcknowledgement() -> Bool {
        guard acknowledged else {
            logger.info("gateway heartbeat not acknowledged; reconnecting")
            decision = decision ?? .reconnect(resume: true)
            return false
        }
        acknowledged = false
        return true
    }

    private func attach(_ writer: WebSocketOutboundWriter) {
        outbound = writer
        upgraded = true
    }

    /// Acts on one received message and hands app frames to ``frames``.
    func handle(_ received: ReceivedFrame) -> Step {
        guard let frame = received.frame else {
            logger.debug("gateway message is not a frame; passed on")
            continuation.yield(received)
            return .none
        }
        switch frame.op {
        case .hello:
            guard let hello = try? received.decodeData(as: Hello.self) else {
                logger.info("gateway Hello unreadable; reconnecting")
                decision = .reconnect(resume: true)
                return .close
            }
            greeted = true
            do {
                return .open(try openingFrame(), interval: hello.heartbeatInterval)
            } catch {
                decision = .fatal(.invalidRequest(reason: error.description))
                return .close
            }
        case .heartbeatAck:
            acknowledged = true
            return .none
        case .heartbeat:
            return .send(#"{"op":1}"#)
        case .reconnect:
            logger.info("gateway asked to reconnect")
            decision = .reconnect(resume: true)
            return .close
        case .invalidSession:
            let resumable = frame.data?.bytes == Array("true".utf8)
            logger.info("gateway session invalid", metadata: ["resumable": "\(resumable)"])
            decision = .reconnect(resume: resumable)
            return .close
        default:
            if let sequence = frame.sequence { lastSequence = max(lastSequence ?? sequence, sequence) }
            if frame.op == .dispatch, frame.type == .ready {
                if let ready = try? received.decodeData(as: Ready.self) { sessionID = ready.sessionID }
                established = true
                renewedAfterRefusal = false
            } else if frame.op == .dispatch, frame.type == .resumed {
                established = true
                renewedAfterRefusal = false
            }
            continuation.yield(received)
            return .none
        }
    }

    /// Identify, or Resume when a session is known: the text to send after Hello.
    private func openingFrame() throws(ProtocolError) -> String {
        let frame: Frame
        if let sessionID {
            frame = try Frame(
                op: .resume, payload: Resume(token: token, sessionID: sessionID, sequence: lastSequence ?? 0))
        } else {
            frame = try Frame(op: .identify, payload: Identify(token: token))
        }
        return String(decoding: frame.encoded(), as: UTF8.self)
    }

    /// Sleeps for `delay` unless ``stop()`` or cancellation comes first.
    private func pause(for delay: Duration) async {
        let task = Task<Void, Never> { _ = try? await Task.sleep(for: delay) }
        backoffTask = task
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        backoffTask = nil
    }
}
