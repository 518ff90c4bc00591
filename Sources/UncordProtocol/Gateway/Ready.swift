public import Foundation

/// The parts of the `READY` dispatch payload the engine uses: `{"session_id", "user": {"id", …}, …}`.
///
/// The rest of the payload (server, channels, roles, members) is ignored here; the app still receives the frame
/// unchanged.
public struct Ready: Sendable, Equatable, Codable {
    /// The session id to send in a later ``Resume``.
    public var sessionID: String
    /// The id of the signed-in user.
    public var userID: UUID

    /// A ready payload for the given session and user.
    public init(sessionID: String, userID: UUID) {
        self.sessionID = sessionID
        self.userID = userID
    }

    private enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case user
    }

    private enum UserKeys: String, CodingKey {
        case id
    }

    /// Reads `session_id` and `user.id`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sessionID = try container.decode(String.self, forKey: .sessionID)
        let user = try container.nestedContainer(keyedBy: UserKeys.self, forKey: .user)
        userID = try user.decode(UUID.self, forKey: .id)
    }

    /// Writes `{"session_id", "user": {"id"}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sessionID, forKey: .sessionID)
        var user = container.nestedContainer(keyedBy: UserKeys.self, forKey: .user)
        try user.encode(userID, forKey: .id)
    }
}
