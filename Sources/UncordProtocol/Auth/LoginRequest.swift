/// The body of `POST /auth/login`: `{"email", "password"}`.
///
/// The password is a credential, so ``description`` and ``debugDescription`` leave it out.
public struct LoginRequest: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The account's email address.
    public var email: String
    /// The account's password.
    public var password: String

    /// A sign-in with an email address and a password.
    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }

    private enum CodingKeys: String, CodingKey {
        case email, password
    }

    /// `LoginRequest(email: …, password: <redacted>)`.
    public var description: String { "LoginRequest(email: \(email), password: <redacted>)" }
    /// Same as ``description``: the password never reaches logs.
    public var debugDescription: String { description }
}

/// The body of `POST /auth/mfa/verify`: `{"ticket", "code"}`, the second step of a sign-in that answered
/// ``LoginResponse/mfaRequired(ticket:)``.
public struct MFAVerifyRequest: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The ticket the login answered.
    public var ticket: String
    /// The code from the account's authenticator (or a recovery code).
    public var code: String

    /// The second step of a sign-in.
    public init(ticket: String, code: String) {
        self.ticket = ticket
        self.code = code
    }

    private enum CodingKeys: String, CodingKey {
        case ticket, code
    }

    /// `MFAVerifyRequest(<redacted>)`.
    public var description: String { "MFAVerifyRequest(<redacted>)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

/// The body of `POST /auth/refresh`: `{"refresh_token"}`. The server consumes the token and answers a new pair.
public struct RefreshRequest: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The refresh token to exchange; it is spent by the exchange.
    public var refreshToken: String

    /// An exchange of `refreshToken` for a new pair.
    public init(refreshToken: String) {
        self.refreshToken = refreshToken
    }

    private enum CodingKeys: String, CodingKey {
        case refreshToken = "refresh_token"
    }

    /// `RefreshRequest(<redacted>)`.
    public var description: String { "RefreshRequest(<redacted>)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}
