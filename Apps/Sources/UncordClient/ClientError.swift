public import UncordProtocol

/// The one error type of ``UncordClient``: why an HTTP call or the gateway connection failed.
///
/// No case carries a token or a request or response body, so every description is safe to log. A server's
/// `{"error": …}` answer is ``server(code:message:status:)`` (or ``unauthorized(code:message:)`` for 401); the
/// engine reads its code through ``serverError``.
///
/// ```swift
/// do {
///     _ = try await api.keyBundle(of: peer)
/// } catch ClientError.server(code: .keyBundleIncomplete, _, _) {
///     // the peer has no device with a signed pre-key yet
/// }
/// ```
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered `{"error": {"code", "message"}}` with the HTTP status `status` (4xx or 5xx, not 401).
    case server(code: ServerErrorCode, message: String, status: Int)
    /// The server refused the access token (HTTP 401): missing, invalid or
    /// expired. `code` is the server's code (`UNAUTHORISED`, `TOKEN_EXPIRED`), or `UNAUTHORISED` when it gave none.
    case unauthorized(code: ServerErrorCode, message: String)
    /// The server answered a status the route does not define, without an error body.
    case unexpectedStatus(Int)
    /// A body the server sent could not be read: `path` names the field as the wire spells it
    /// (`data.devices[0].identity_key`; empty for the whole body), `reason` says what was wrong, never the value.
    case decoding(path: String, reason: String)
    /// A request could not be built: its body could not be encoded or the URL is not usable.
    case invalidRequest(reason: String)
    /// The connection failed or broke before an answer arrived: refused, reset, TLS, DNS.
    case transport(reason: String)
    /// No complete answer arrived within the configured timeout.
    case timedOut
    /// The gateway closed the session with a code that forbids reconnecting (4004 authentication failed, say).
    case gatewayClosed(GatewayCloseReason)
    /// The gateway could not be reached for more consecutive attempts than the configuration allows.
    case gatewayUnreachable(attempts: Int)
    /// The call was abandoned because its task was cancelled or the client was stopped.
    case cancelled
    /// The server refused the refresh token (spent, expired, unknown or revoked: `code` says which it named); the
    /// account must sign in again.
    case signInRequired(code: ServerErrorCode)
    /// A refresh gave a new pair of tokens that could not be made durable, so they were not used.
    case credentialsNotSaved(reason: String)

    /// The server's error answer as the protocol module spells it, or `nil` when this is not one.
    public var serverError: ServerError? {
        switch self {
        case .server(let code, let message, _), .unauthorized(let code, let message):
            ServerError(code: code, message: message)
        default:
            nil
        }
    }

    /// The case and its details in words; never a token or a body.
    public var description: String {
        switch self {
        case .server(let code, let message, let status):
            message.isEmpty
                ? "server error \(code) (HTTP \(status))" : "server error \(code) (HTTP \(status)): \(message)"
        case .unauthorized(let code, _):
            "unauthorized (\(code))"
        case .unexpectedStatus(let status):
            "unexpected HTTP status \(status)"
        case .decoding(let path, let reason):
            path.isEmpty ? "undecodable answer: \(reason)" : "undecodable answer at '\(path)': \(reason)"
        case .invalidRequest(let reason):
            "invalid request: \(reason)"
        case .transport(let reason):
            "transport failure: \(reason)"
        case .timedOut:
            "timed out"
        case .gatewayClosed(let reason):
            "gateway closed the session: \(reason)"
        case .gatewayUnreachable(let attempts):
            "gateway unreachable after \(attempts) attempts"
        case .cancelled:
            "cancelled"
        case .signInRequired(let code):
            "the server refused the refresh token (\(code)); sign in again"
        case .credentialsNotSaved(let reason):
            "new tokens could not be saved, so they were not used: \(reason)"
        }
    }

    /// The decoding case for a ``ProtocolError`` met while reading an answer.
    static func decoding(_ error: ProtocolError) -> ClientError {
        switch error {
        case .notJSON(let offset, let reason): .decoding(path: "", reason: "not JSON: \(reason) (at byte \(offset))")
        case .invalidFrame(let violation): .decoding(path: "", reason: "not a gateway frame: \(violation)")
        case .missingField(let path): .decoding(path: path, reason: "missing")
        case .wrongType(let path, let expected): .decoding(path: path, reason: "must be \(expected)")
        case .malformedField(let path, let reason): .decoding(path: path, reason: reason)
        }
    }
}

extension ClientError: ServerErrorCarrying {}
