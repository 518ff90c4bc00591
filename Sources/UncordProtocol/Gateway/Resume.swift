/// The payload of ``Opcode/resume``, which continues a dropped session: `{"token", "session_id", "seq"}`.
///
/// The token is a credential, so ``description`` and ``debugDescription`` leave it out.
public struct Resume: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The JWT access token.
    public var token: String
    /// The session id from the ``Ready`` payload of the session being resumed.
    public var sessionID: String
    /// The last sequence number the client received; the server replays what came after it.
    public var sequence: Int64

    /// A resume of session `sessionID` after event `sequence`.
    public init(token: String, sessionID: String, sequence: Int64) {
        self.token = token
        self.sessionID = sessionID
        self.sequence = sequence
    }

    private enum CodingKeys: String, CodingKey {
        case token
        case sessionID = "session_id"
        case sequence = "seq"
    }

    /// Reads the payload; `seq` must not be negative.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        token = try container.decode(String.self, forKey: .token)
        sessionID = try container.decode(String.self, forKey: .sessionID)
        sequence = try container.decodeCount(Int64.self, forKey: .sequence)
    }

    /// The session and sequence, with the token redacted.
    public var description: String {
        "Resume(token: <redacted>, sessionID: \(sessionID), sequence: \(sequence))"
    }

    /// Same as ``description``: the token never reaches logs.
    public var debugDescription: String { description }
}
