internal import UncordProtocol

/// The gateway session's decisions, as a value with no I/O: what to answer to Hello (Identify, or Resume with the
/// last `s`), when to beat and when a missed acknowledgement ends a connection, what op 7 and op 9 ask for, and what
/// follows the end of a connection (resume, identify anew, renew the token, stop, or fail).
///
/// ``GatewayClient`` owns the sockets, tasks and timers; it tells the machine what happened and performs the
/// ``Action`` or ``Next`` it answers, in the style of swift-nio's state machines, so tests drive every decision
/// without a network.
///
/// ```swift
/// var machine = GatewayStateMachine(maximumAttempts: nil)
/// machine.connecting()
/// machine.received(ReceivedFrame(bytes: Array(#"{"op":10,"d":{"heartbeat_interval":41250}}"#.utf8)))
/// // .open(.identify, heartbeatInterval: .milliseconds(41250))
/// ```
struct GatewayStateMachine: Sendable {
    /// The frame that opens a connection after Hello.
    enum Opening: Sendable, Equatable {
        /// Identify: a new session.
        case identify
        /// Resume `sessionID` after the dispatch numbered `sequence` (0 when none came).
        case resume(sessionID: String, sequence: Int64)
    }

    /// Why the client closes a connection itself (always with a resumable close code).
    enum CloseCause: Sendable, Equatable, CustomStringConvertible {
        /// The server asked for it (op 7, Reconnect).
        case reconnectRequested
        /// The server invalidated the session (op 9); `resumable` is its `d`.
        case sessionInvalid(resumable: Bool)
        /// The last heartbeat was not acknowledged before the next one was due.
        case heartbeatNotAcknowledged
        /// Hello came without a readable heartbeat interval.
        case helloUnreadable
        /// No Hello came within the Hello timeout.
        case noHelloInTime
        /// The opening frame could not be written; the client stops with ``ClientError/invalidRequest(reason:)``.
        case openingUnwritable
        /// ``GatewayClient/stop()`` came while the connection was being set up: no session is opened on it.
        case stopRequested

        /// The cause in words, for the log.
        var description: String {
            switch self {
            case .reconnectRequested: "the gateway asked to reconnect"
            case .sessionInvalid(let resumable): "the gateway session is invalid (resumable: \(resumable))"
            case .heartbeatNotAcknowledged: "the gateway heartbeat was not acknowledged"
            case .helloUnreadable: "the gateway Hello is unreadable"
            case .noHelloInTime: "the gateway sent no Hello in time"
            case .openingUnwritable: "the opening frame could not be written"
            case .stopRequested: "the client is stopping"
            }
        }
    }

    /// What the client does during a connection, after a frame or a timer.
    enum Action: Sendable, Equatable {
        /// Nothing.
        case none
        /// Hands the frame to the app.
        case deliver
        /// Sends a heartbeat, `{"op":1}`.
        case sendHeartbeat
        /// Sends the opening frame and starts beating every `heartbeatInterval`.
        case open(Opening, heartbeatInterval: Duration)
        /// Closes the connection with a resumable code; what follows is decided when it has ended.
        case close(CloseCause)
    }

    /// How long to wait before the next connection.
    enum Wait: Sendable, Equatable {
        /// The ordinary backoff after `failures` attempts in a row that reached no READY or RESUMED
        /// (``GatewayConfiguration/backoff(afterFailures:jitter:)``).
        case backoff(failures: Int)
        /// The rate-limited floor after the `closes`-th 4008 in a row
        /// (``GatewayConfiguration/rateLimitedDelay(afterCloses:jitter:)``).
        case rateLimited(closes: Int)
    }

    /// What the client does once a connection has ended, or could not start.
    enum Next: Sendable, Equatable {
        /// Connects again after `wait`; `resume` says whether the next Hello is answered with Resume (or Identify).
        case reconnect(resume: Bool, after: Wait)
        /// Connects again at once, resuming: the access token was renewed after a 4004.
        case reconnectNow
        /// Renews the access token the gateway refused (4004), then reports with ``tokenRenewed()`` or
        /// ``tokenRenewalFailed(_:)``.
        case renewToken
        /// Stops without an error.
        case stop
        /// Stops with this error.
        case fail(ClientError)
    }

    /// What the current connection decided should follow it.
    private enum Decision: Sendable, Equatable {
        case reconnect(resume: Bool)
        case stop
        case fail(ClientError)
    }

    /// How many attempts in a row may fail before the client gives up; `nil` retries forever.
    let maximumAttempts: Int?

    // The session, across connections.

    /// The session to resume, from READY.
    private(set) var sessionID: String?
    /// The highest `s` seen in this session.
    private(set) var lastSequence: Int64?
    /// Whether ``GatewayClient/run()`` is running.
    private(set) var isRunning = false
    /// Whether ``GatewayClient/stop()`` was called.
    private(set) var isStopped = false
    /// Whether the token was renewed after a 4004 and no connection has been established since: a second refusal
    /// is fatal.
    private var renewedAfterRefusal = false
    /// Attempts in a row that reached no READY or RESUMED.
    private var failures = 0
    /// Closes 4008 in a row.
    private var rateLimitedCloses = 0

    // The current connection.

    /// What the connection decided should follow it (op 7, op 9, a missed ACK, an unreadable Hello).
    private var decision: Decision?
    /// Whether the last heartbeat was acknowledged.
    private var acknowledged = true
    /// Whether Hello has come.
    private var greeted = false
    /// Whether READY or RESUMED has come.
    private var established = false

    /// A machine with no session yet.
    init(maximumAttempts: Int?) {
        self.maximumAttempts = maximumAttempts
    }

    /// The frame that would answer a Hello now: Resume when a session is known, else Identify.
    var opening: Opening {
        sessionID.map { .resume(sessionID: $0, sequence: lastSequence ?? 0) } ?? .identify
    }

    // MARK: The run

    /// ``GatewayClient/run()`` starts: `false` when it is already running. The failure counts start again.
    mutating func runStarted() -> Bool {
        guard !isRunning else { return false }
        isRunning = true
        failures = 0
        rateLimitedCloses = 0
        return true
    }

    /// ``GatewayClient/run()`` ended.
    mutating func runEnded() {
        isRunning = false
    }

    /// ``GatewayClient/stop()`` was called: whatever ends next, the client stops.
    mutating func stopRequested() {
        isStopped = true
        decision = .stop
    }

    // MARK: One connection

    /// A new connection attempt starts (before its token is fetched).
    mutating func connecting() {
        decision = nil
        acknowledged = true
        greeted = false
        established = false
    }

    /// No access token could be had for the connection.
    mutating func tokenUnavailable(_ error: ClientError) -> Next {
        switch error {
        case .signInRequired, .credentialsNotSaved: .fail(error)
        case .cancelled: .stop
        default: reconnect(resume: true)
        }
    }

    /// One message arrived on the connection.
    mutating func received(_ received: ReceivedFrame) -> Action {
        guard let frame = received.frame else { return .deliver }
        switch frame.op {
        case .hello:
            guard let hello = try? received.decodeData(as: Hello.self) else {
                decision = .reconnect(resume: true)
                return .close(.helloUnreadable)
            }
            greeted = true
            // A stop that came while this connection was set up: opening a session now would leave one that
            // nothing ends.
            if isStopped { return .close(.stopRequested) }
            return .open(opening, heartbeatInterval: hello.heartbeatInterval)
        case .heartbeatAck:
            acknowledged = true
            return .none
        case .heartbeat:
            return .sendHeartbeat
        case .reconnect:
            decision = .reconnect(resume: true)
            return .close(.reconnectRequested)
        case .invalidSession:
            let resumable = frame.data?.bytes == Array("true".utf8)
            decision = .reconnect(resume: resumable)
            return .close(.sessionInvalid(resumable: resumable))
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
            return .deliver
        }
    }

    /// The opening frame the last ``Action/open(_:heartbeatInterval:)`` asked for could not be written.
    mutating func openingFailed(reason: String) -> Action {
        decision = .fail(.invalidRequest(reason: reason))
        return .close(.openingUnwritable)
    }

    /// A heartbeat interval has passed: beat, or close when the last beat was not acknowledged.
    mutating func heartbeatDue() -> Action {
        guard acknowledged else {
            decision = decision ?? .reconnect(resume: true)
            return .close(.heartbeatNotAcknowledged)
        }
        acknowledged = false
        return .sendHeartbeat
    }

    /// The Hello timeout has passed since the connection opened.
    mutating func helloTimeoutElapsed() -> Action {
        guard !greeted else { return .none }
        decision = decision ?? .reconnect(resume: true)
        return .close(.noHelloInTime)
    }

    // MARK: The end of a connection

    /// The connection closed, with the close frame's `code` (`nil` when none came).
    mutating func closed(code: UInt16?) -> Next {
        if isStopped { return .stop }
        if let decision { return next(after: decision) }
        let reason = GatewayCloseReason(code: code)
        if reason == .authenticationFailed {
            return renewedAfterRefusal ? .fail(.gatewayClosed(.authenticationFailed)) : .renewToken
        }
        renewedAfterRefusal = false
        if reason.isFatal { return .fail(.gatewayClosed(reason)) }
        return reconnect(resume: reason.canResume, rateLimited: reason == .rateLimited)
    }

    /// The connection failed without a close (a transport error).
    mutating func failed() -> Next {
        if isStopped { return .stop }
        if let decision { return next(after: decision) }
        return reconnect(resume: true)
    }

    /// The WebSocket upgrade did not complete in time; the attempt was given up.
    mutating func abandoned() -> Next {
        if isStopped { return .stop }
        return reconnect(resume: true)
    }

    /// The token refused with 4004 was renewed: connect again at once. A second refusal will be fatal.
    mutating func tokenRenewed() -> Next {
        renewedAfterRefusal = true
        return .reconnectNow
    }

    /// The token refused with 4004 could not be renewed.
    mutating func tokenRenewalFailed(_ error: ClientError) -> Next {
        switch error {
        case .unauthorized: .fail(.gatewayClosed(.authenticationFailed))
        case .cancelled: .stop
        default: .fail(error)
        }
    }

    private mutating func next(after decision: Decision) -> Next {
        switch decision {
        case .reconnect(let resume): reconnect(resume: resume)
        case .stop: .stop
        case .fail(let error): .fail(error)
        }
    }

    /// Counts the attempt that just ended and says how long to wait before the next, or gives up.
    private mutating func reconnect(resume: Bool, rateLimited: Bool = false) -> Next {
        if !resume {
            sessionID = nil
            lastSequence = nil
        }
        failures = established ? 0 : failures + 1
        if let maximumAttempts, failures >= maximumAttempts {
            return .fail(.gatewayUnreachable(attempts: failures))
        }
        rateLimitedCloses = rateLimited ? rateLimitedCloses + 1 : 0
        return .reconnect(
            resume: resume, after: rateLimited ? .rateLimited(closes: rateLimitedCloses) : .backoff(failures: failures))
    }
}
