import Foundation
import UncordProtocol

/// Every gateway session and connection of the development server, and the one place dispatches are numbered.
///
/// A session belongs to one user and numbers its dispatches itself, keeping the last ``backlogLimit`` frames so
/// that a Resume can replay what a dropped connection may have missed. As on the real server, only frames
/// dispatched while the session's connection was registered are numbered and kept: once the hub has noticed the
/// drop, the session gets nothing until it is resumed. A session without a connection stays resumable for
/// ``resumeWindow``; one whose connection is still registered cannot be resumed. Each connection gets its frames
/// through the continuation it registered, in order, and may send ``rateLimit`` messages per ``rateWindow``.
actor GatewayHub {
    private struct Session {
        let user: UUID
        var sequence: Int64 = 0
        var backlog: [(sequence: Int64, frame: [UInt8])] = []
        var connection: UInt64?
        var detachedAt: ContinuousClock.Instant?
    }

    private struct Connection {
        let output: AsyncStream<GatewayOutput>.Continuation
        var sessionID: String?
        let opened: ContinuousClock.Instant
        var lastHeartbeat: ContinuousClock.Instant
        var closing = false
        /// When the messages still inside the rate window arrived, oldest first.
        var received: [ContinuousClock.Instant] = []
    }

    /// The heartbeat interval announced in Hello.
    let heartbeatInterval: Duration
    /// How many dispatches a session keeps for Resume.
    let backlogLimit: Int
    /// How long a session without a connection stays resumable.
    let resumeWindow: Duration
    /// How many messages a connection may send per ``rateWindow`` (heartbeats count); 0 means no limit.
    let rateLimit: Int
    /// The window ``rateLimit`` counts over.
    let rateWindow: Duration
    /// How long a connection may go without Identify or Resume before it is closed with 4003.
    let identifyTimeout: Duration

    private var sessions: [String: Session] = [:]
    private var connections: [UInt64: Connection] = [:]
    private var nextConnection: UInt64 = 0
    private let clock = ContinuousClock()

    /// Checks the token of an Identify or a Resume.
    let tokens: DevAccessToken

    init(
        heartbeatInterval: Duration, tokens: DevAccessToken, rateLimit: Int = 0, rateWindow: Duration = .seconds(60),
        identifyTimeout: Duration = .seconds(30), backlogLimit: Int = 1000, resumeWindow: Duration = .seconds(300)
    ) {
        self.identifyTimeout = identifyTimeout
        self.heartbeatInterval = heartbeatInterval
        self.tokens = tokens
        self.rateLimit = rateLimit
        self.rateWindow = rateWindow
        self.backlogLimit = backlogLimit
        self.resumeWindow = resumeWindow
    }

    /// Registers a new connection and sends it Hello; returns its id.
    func open(_ output: AsyncStream<GatewayOutput>.Continuation) throws -> UInt64 {
        nextConnection += 1
        connections[nextConnection] = Connection(output: output, opened: clock.now, lastHeartbeat: clock.now)
        let hello = try Frame(op: .hello, payload: Hello(heartbeatInterval: heartbeatInterval))
        output.yield(.text(hello.encoded()))
        return nextConnection
    }

    /// Forgets a connection; its session, if any, stays resumable.
    func closed(_ id: UInt64) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        connection.output.finish()
        if let sessionID = connection.sessionID, sessions[sessionID]?.connection == id {
            sessions[sessionID]?.connection = nil
            sessions[sessionID]?.detachedAt = clock.now
        }
    }

    /// Drops the connection, with no close frame, when it has sent no heartbeat for 1.5 intervals, or closes it
    /// with 4003 when it has not identified within ``identifyTimeout``; `true` when it did either.
    func checkHeartbeat(_ id: UInt64) -> Bool {
        guard let connection = connections[id] else { return true }
        guard !connection.closing else { return true }
        if connection.sessionID == nil, clock.now - connection.opened > identifyTimeout {
            close(id, GatewayCloseCode.notAuthenticated, "not authenticated in time")
            return true
        }
        guard clock.now - connection.lastHeartbeat > heartbeatInterval * 1.5 else { return false }
        connections[id]?.closing = true
        send(.drop, to: id)
        return true
    }

    /// Handles one text message from a client.
    func receive(_ text: [UInt8], from id: UInt64) {
        guard let connection = connections[id], !connection.closing else { return }
        guard admit(id) else { return close(id, GatewayCloseCode.rateLimited, "rate limited") }
        let frame: Frame
        do {
            frame = try Frame(parsing: text)
        } catch {
            close(id, GatewayCloseCode.decodeError, "not a gateway frame")
            return
        }
        switch frame.op {
        case .heartbeat:
            connections[id]?.lastHeartbeat = clock.now
            send(.text(Frame(op: .heartbeatAck).encoded()), to: id)
        case .identify:
            identify(frame, on: id)
        case .resume:
            resume(frame, on: id)
        case .presenceUpdate:
            if connection.sessionID == nil { close(id, GatewayCloseCode.notAuthenticated, "not authenticated") }
        default:
            close(id, GatewayCloseCode.unknownOpcode, "unknown opcode")
        }
    }

    /// Sends a numbered dispatch to every live session of each user in `users`, keeping it for Resume.
    func dispatch(_ type: DispatchEvent, _ payload: RawJSON, to users: Set<UUID>) {
        expireSessions()
        for (sessionID, session) in sessions where users.contains(session.user) {
            dispatch(type, payload, session: sessionID)
        }
    }

    private func identify(_ frame: Frame, on id: UInt64) {
        guard connections[id]?.sessionID == nil else {
            return close(id, GatewayCloseCode.alreadyAuthenticated, "already authenticated")
        }
        guard let identify = try? frame.decodeData(as: Identify.self) else {
            return close(id, GatewayCloseCode.decodeError, "Identify payload is not valid")
        }
        guard case .success(let user) = tokens.user(of: identify.token) else {
            return close(id, GatewayCloseCode.authenticationFailed, "authentication failed")
        }
        expireSessions()
        let sessionID = UUID().uuidString.lowercased()
        sessions[sessionID] = Session(user: user, connection: id)
        connections[id]?.sessionID = sessionID
        guard let ready = try? RawJSON(encoding: Ready(sessionID: sessionID, userID: user)) else {
            return close(id, GatewayCloseCode.unknownError, "cannot write READY")
        }
        dispatch(.ready, ready, session: sessionID)
    }

    private func resume(_ frame: Frame, on id: UInt64) {
        guard connections[id]?.sessionID == nil else {
            return close(id, GatewayCloseCode.alreadyAuthenticated, "already authenticated")
        }
        guard let resume = try? frame.decodeData(as: Resume.self) else {
            return close(id, GatewayCloseCode.decodeError, "Resume payload is not valid")
        }
        guard case .success(let user) = tokens.user(of: resume.token) else {
            return close(id, GatewayCloseCode.authenticationFailed, "authentication failed")
        }
        expireSessions()
        // Unknown, someone else's, still connected (the live connection is not displaced), or a sequence the
        // session never reached or no longer holds: InvalidSession, not resumable; never a close.
        guard let session = sessions[resume.sessionID], session.user == user, session.connection == nil,
            resume.sequence <= session.sequence,
            resume.sequence + 1 >= (session.backlog.first?.sequence ?? session.sequence + 1)
        else { return send(.text(Self.invalidSession), to: id) }
        sessions[resume.sessionID]?.connection = id
        sessions[resume.sessionID]?.detachedAt = nil
        connections[id]?.sessionID = resume.sessionID
        for entry in session.backlog where entry.sequence > resume.sequence {
            send(.text(entry.frame), to: id)
        }
        dispatch(.resumed, RawJSON.emptyObject, session: resume.sessionID)
    }

    /// Numbers, keeps and sends a dispatch to the session's connection; a session whose connection is gone gets
    /// nothing (the real server never replays what was published after it noticed the drop).
    private func dispatch(_ type: DispatchEvent, _ payload: RawJSON, session sessionID: String) {
        guard var session = sessions[sessionID], let connection = session.connection else { return }
        session.sequence += 1
        let frame = Frame(op: .dispatch, sequence: session.sequence, type: type, data: payload).encoded()
        session.backlog.append((session.sequence, frame))
        if session.backlog.count > backlogLimit { session.backlog.removeFirst(session.backlog.count - backlogLimit) }
        sessions[sessionID] = session
        send(.text(frame), to: connection)
    }

    /// Counts a message against the connection's rate limit; `false` when it is over.
    private func admit(_ id: UInt64) -> Bool {
        guard rateLimit > 0 else { return true }
        let now = clock.now
        var received = connections[id]?.received ?? []
        received.removeAll { now - $0 >= rateWindow }
        guard received.count < rateLimit else { return false }
        received.append(now)
        connections[id]?.received = received
        return true
    }

    private func send(_ output: GatewayOutput, to id: UInt64) {
        connections[id]?.output.yield(output)
    }

    private func close(_ id: UInt64, _ code: UInt16, _ reason: String) {
        guard connections[id]?.closing == false else { return }
        connections[id]?.closing = true
        send(.close(code: code, reason: reason), to: id)
    }

    private func expireSessions() {
        let now = clock.now
        sessions = sessions.filter { _, session in
            guard let detached = session.detachedAt else { return true }
            return now - detached < resumeWindow
        }
    }

    /// `{"op":9,"d":false}`: the session cannot be resumed; identify afresh.
    private static let invalidSession = Array(#"{"op":9,"d":false}"#.utf8)
}

extension RawJSON {
    /// An empty JSON object, `{}`.
    static let emptyObject: RawJSON = {
        guard let empty = try? RawJSON(validating: "{}") else { return .emptyArray }
        return empty
    }()
}
