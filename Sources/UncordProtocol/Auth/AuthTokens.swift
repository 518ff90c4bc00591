/// An access token and the refresh token that replaces it: `{"access_token", "refresh_token"}`, the answer of
/// `POST /auth/refresh` and part of a login's.
///
/// Both are credentials, so ``description`` and ``debugDescription`` leave them out.
public struct AuthTokens: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The short-lived bearer token (a JWT on the Uncord server; 15 minutes).
    public var accessToken: String
    /// The single-use token that obtains the next pair (7 days).
    public var refreshToken: String

    /// A pair of tokens.
    public init(accessToken: String, refreshToken: String) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
    }

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }

    /// Reads the pair; neither token may be empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try container.decode(String.self, forKey: .accessToken)
        refreshToken = try container.decode(String.self, forKey: .refreshToken)
        guard !accessToken.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .accessToken, in: container, debugDescription: "must not be empty")
        }
        guard !refreshToken.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .refreshToken, in: container, debugDescription: "must not be empty")
        }
    }

    /// `AuthTokens(<redacted>)`.
    public var description: String { "AuthTokens(<redacted>)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}
