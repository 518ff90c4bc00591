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
/// parsed once — in the order received; dispatches replayed after a resume come in the server's order. The
/// decisions (identify or resume, heartbeats, reconnects) are ``GatewayStateMachine``'s; this actor holds the
/// connection and its tasks and performs them. The token is never logged.
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
    private let configuration: GatewayConfiguration
    private let logger: Logger

    /// The session's state and every decision about it.
    private var machine: GatewayStateMachine
    private var outbound: WebSocketOutboundWriter?
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
        machine = GatewayStateMachine(maximumAttempts: configuration.maximumAttempts)
        (frames, continuation) = AsyncStream.makeStream(of: ReceivedFrame.self, bufferingPolicy: .unbounded)
    }

    /// Connects and keeps the session alive, reconnecting after drops, until ``stop()`` or cancellation (then it
    /// returns) or a failure it must not retry (then it throws). ``frames`` finishes when it ends.
    /// - Throws: ``ClientError/gatewayClosed(_:)`` for a fatal close code (4004),
    ///   ``ClientError/gatewayUnreachable(attempts:)`` after too many failed attempts,
    ///   ``ClientError/invalidRequest(reason:)`` when called while already running.
    public func run() async throws(ClientError) {
        guard machine.runStarted() else { throw .invalidRequest(reason: "the gateway client is already running") }
        defer {
            machine.runEnded()
            continuation.finish()
        }
        while !machine.isStopped && !Task.isCancelled {
            switch await connectOnce() {
            case .stop:
                return
            case .fail(let error):
                logger.warning("gateway session ended", metadata: ["reason": "\(error)"])
                throw error
            case .renewToken:
                // connectOnce renews the token itself; it never answers this.
                continue
            case .reconnectNow:
                continue
            case .reconnect(let resume, let wait):
                let delay =
                    switch wait {
                    case .backoff(let failures):
                        configuration.backoff(afterFailures: failures, jitter: Double.random(in: 0.5...1))
                    case .rateLimited(let closes):
                        configuration.rateLimitedDelay(afterCloses: closes, jitter: Double.random(in: 1...1.25))
                    }
                logger.info(
                    "gateway reconnecting", metadata: ["resume": "\(resume)", "delay": "\(delay)"])
                await pause(for: delay)
            }
        }
    }

    /// Ends ``run()``: closes the connection and cancels a pending reconnect.
    public func stop() async {
        machine.stopRequested()
        backoffTask?.cancel()
        if let current = attempt { abandonAttempt(current.id, onlyBeforeUpgrade: true) }
        if let outbound {
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }

    // MARK: One connection

    /// Runs one connection to its end and says what to do next.
    private func connectOnce() async -> GatewayStateMachine.Next {
        machine.connecting()
        do {
            token = try await tokens.accessToken()
        } catch {
            let next = machine.tokenUnavailable(error)
            if case .reconnect = next {
                logger.info("no access token for the gateway yet", metadata: ["error": "\(error)"])
            }
            return next
        }
        // stop() may have come while the token was fetched (it found no connection to close): connect no more.
        if machine.isStopped { return .stop }
        let settings = WebSocketClientConfiguration(
            maxFrameSize: configuration.maximumMessageSize, closeTimeout: configuration.closeTimeout)
        let outcome = await runAttempt(settings)
        outbound = nil
        if Task.isCancelled { return .stop }
        let next: GatewayStateMachine.Next
        switch outcome {
        case .closed(let frame):
            let code = frame.map { UInt16(webSocketErrorCode: $0.closeCode) }
            logger.info("gateway connection closed", metadata: ["reason": "\(GatewayCloseReason(code: code))"])
            next = machine.closed(code: code)
        case .failed(let error):
            next = machine.failed()
            if next != .stop {
                logger.info(
                    "gateway connection failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            }
        case .abandoned:
            next = machine.abandoned()
            if next != .stop { logger.info("gateway connection not upgraded in time; retrying") }
        }
        guard next == .renewToken else { return next }
        return await renewAfterRefusal()
    }

    /// After a close 4004: renews the access token, so that the next connection presents the new one.
    private func renewAfterRefusal() async -> GatewayStateMachine.Next {
        do {
            _ = try await tokens.renewAccessToken(rejected: token)
        } catch {
            switch error {
            case .unauthorized, .cancelled: break
            default: logger.warning("the access token could not be renewed", metadata: ["error": "\(error)"])
            }
            return machine.tokenRenewalFailed(error)
        }
        logger.info("access token refused by the gateway; renewed, reconnecting")
        return machine.tokenRenewed()
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

    /// The WebSocket handler: reads messages in order, parses each once, and performs what the state machine
    /// answers (opening the session, beating, closing) until the connection ends.
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
                let received = ReceivedFrame(bytes: bytes)
                switch await handle(received) {
                case .none:
                    break
                case .deliver:
                    continuation.yield(received)
                case .sendHeartbeat:
                    try await outbound.writeTextMessage(Self.heartbeat)
                case .open(let opening, let interval):
                    switch await openingText(opening) {
                    case .success(let text):
                        try await outbound.writeTextMessage(text)
                        group.addTask { try await self.beat(outbound, every: interval) }
                    case .failure(let error):
                        if case .close(let cause) = await openingFailed(error) {
                            try await close(outbound, because: cause)
                        }
                    }
                case .close(let cause):
                    try await close(outbound, because: cause)
                }
            }
            group.cancelAll()
        }
    }

    /// A client close code that keeps the session resumable (1000 and 1001 may end it on the server).
    private static let resumableClose = WebSocketErrorCode(codeNumber: 4000)

    /// A heartbeat, `{"op":1}`.
    private static let heartbeat = String(decoding: Frame(op: .heartbeat).encoded(), as: UTF8.self)

    /// Closes the connection with the resumable code, for `cause`.
    private nonisolated func close(_ outbound: WebSocketOutboundWriter, because cause: GatewayStateMachine.CloseCause)
        async throws
    {
        logger.info("gateway connection closing", metadata: ["cause": "\(cause)"])
        try await outbound.close(Self.resumableClose, reason: nil)
    }

    /// Drops the connection when no Hello arrives in time.
    private nonisolated func watchHello(_ outbound: WebSocketOutboundWriter) async throws {
        try await Task.sleep(for: configuration.helloTimeout)
        guard case .close(let cause) = await helloTimeoutElapsed() else { return }
        try await close(outbound, because: cause)
    }

    /// Sends a heartbeat every `interval` until the state machine closes the connection (a missed acknowledgement).
    private nonisolated func beat(_ outbound: WebSocketOutboundWriter, every interval: Duration) async throws {
        while true {
            try await Task.sleep(for: interval)
            switch await heartbeatDue() {
            case .sendHeartbeat:
                try await outbound.writeTextMessage(Self.heartbeat)
            case .close(let cause):
                try await close(outbound, because: cause)
                return
            default:
                return
            }
        }
    }

    private func attach(_ writer: WebSocketOutboundWriter) {
        outbound = writer
        upgraded = true
    }

    private func handle(_ received: ReceivedFrame) -> GatewayStateMachine.Action {
        machine.received(received)
    }

    private func heartbeatDue() -> GatewayStateMachine.Action {
        machine.heartbeatDue()
    }

    private func helloTimeoutElapsed() -> GatewayStateMachine.Action {
        machine.helloTimeoutElapsed()
    }

    private func openingFailed(_ error: ProtocolError) -> GatewayStateMachine.Action {
        machine.openingFailed(reason: error.description)
    }

    /// The text of the opening frame the state machine chose, with the current token.
    private func openingText(_ opening: GatewayStateMachine.Opening) -> Result<String, ProtocolError> {
        do throws(ProtocolError) {
            let frame: Frame
            switch opening {
            case .identify:
                frame = try Frame(op: .identify, payload: Identify(token: token))
            case .resume(let sessionID, let sequence):
                frame = try Frame(op: .resume, payload: Resume(token: token, sessionID: sessionID, sequence: sequence))
            }
            return .success(String(decoding: frame.encoded(), as: UTF8.self))
        } catch {
            return .failure(error)
        }
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
