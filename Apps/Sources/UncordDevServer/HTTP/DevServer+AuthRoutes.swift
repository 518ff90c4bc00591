import Foundation
import Hummingbird
import UncordProtocol

extension DevServer {
    /// The sign-in routes: `POST /auth/login`, `/auth/mfa/verify` and `/auth/refresh` (``DevAuthority``).
    func addAuthRoutes(to api: RouterGroup<DevContext>) {
        let authority = self.authority
        api.post(
            "auth/login",
            use: handler { request, _ in
                let body = try await Self.decode(LoginRequest.self, from: request)
                switch try await authority.login(email: body.email, password: body.password) {
                case .signedIn(let user, let tokens):
                    return try Self.data(SignedIn(user: user, tokens: tokens))
                case .mfaRequired(let ticket):
                    return try Self.data(MFARequired(ticket: ticket))
                }
            })
        api.post(
            "auth/mfa/verify",
            use: handler { request, _ in
                let body = try await Self.decode(MFAVerifyRequest.self, from: request)
                let (user, tokens) = try await authority.verifyMFA(ticket: body.ticket, code: body.code)
                return try Self.data(SignedIn(user: user, tokens: tokens))
            })
        api.post(
            "auth/refresh",
            use: handler { request, _ in
                let body = try await Self.decode(RefreshRequest.self, from: request)
                guard !body.refreshToken.isEmpty else { throw DevServerError.invalidBody("refresh_token is required") }
                return try Self.data(try await authority.refresh(body.refreshToken))
            })
    }
}

/// `{"user": {"id", "username"}, "access_token", "refresh_token"}`: a completed sign-in.
private struct SignedIn: Encodable {
    var user: UUID
    var tokens: AuthTokens

    private enum CodingKeys: String, CodingKey {
        case user, accessToken = "access_token", refreshToken = "refresh_token"
    }

    private enum UserKeys: String, CodingKey {
        case id, username
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var account = container.nestedContainer(keyedBy: UserKeys.self, forKey: .user)
        try account.encode(user.wireText, forKey: .id)
        try account.encode(DevDatabase.author(user).username, forKey: .username)
        try container.encode(tokens.accessToken, forKey: .accessToken)
        try container.encode(tokens.refreshToken, forKey: .refreshToken)
    }
}

/// `{"mfa_required": true, "ticket"}`: a sign-in waiting for its second factor.
private struct MFARequired: Encodable {
    var ticket: String

    private enum CodingKeys: String, CodingKey {
        case mfaRequired = "mfa_required", ticket
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(true, forKey: .mfaRequired)
        try container.encode(ticket, forKey: .ticket)
    }
}
