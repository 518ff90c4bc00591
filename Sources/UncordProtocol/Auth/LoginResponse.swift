public import Foundation

/// The answer of `POST /auth/login` and `POST /auth/mfa/verify`: either the signed-in user with a pair of tokens,
/// `{"user": {"id", …}, "access_token", "refresh_token"}`, or — for an account with multi-factor authentication,
/// from the login only — `{"mfa_required": true, "ticket"}`, to be completed with ``MFAVerifyRequest``.
///
/// Only the user's `id` is read from `user`; the server's other user fields are ignored.
public enum LoginResponse: Sendable, Equatable, Decodable, CustomStringConvertible {
    /// Signed in as `user`.
    case signedIn(user: UUID, tokens: AuthTokens)
    /// The account needs a second factor: send the code with this ticket to `POST /auth/mfa/verify`.
    case mfaRequired(ticket: String)

    private enum CodingKeys: String, CodingKey {
        case user, mfaRequired = "mfa_required", ticket
    }

    private enum UserKeys: String, CodingKey {
        case id
    }

    /// Reads either shape; `mfa_required: true` without a ticket, or a sign-in without a user id, is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try container.decodeIfPresent(Bool.self, forKey: .mfaRequired) == true {
            let ticket = try container.decode(String.self, forKey: .ticket)
            guard !ticket.isEmpty else {
                throw DecodingError.dataCorruptedError(
                    forKey: .ticket, in: container, debugDescription: "must not be empty")
            }
            self = .mfaRequired(ticket: ticket)
            return
        }
        let user = try container.nestedContainer(keyedBy: UserKeys.self, forKey: .user)
        self = .signedIn(user: try user.decode(UUID.self, forKey: .id), tokens: try AuthTokens(from: decoder))
    }

    /// Which case, without any token or ticket.
    public var description: String {
        switch self {
        case .signedIn(let user, _): "signedIn(user: \(user.uuidString.lowercased()))"
        case .mfaRequired: "mfaRequired"
        }
    }
}
