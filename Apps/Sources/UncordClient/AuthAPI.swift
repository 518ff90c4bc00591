public import AsyncHTTPClient
public import Foundation
public import Logging
internal import NIOHTTP1
public import UncordProtocol

/// The Uncord server's sign-in routes (`/api/v1/auth/…`), which take no access token: a login, its second factor,
/// and the exchange of a refresh token for a new pair.
///
/// ```swift
/// let auth = AuthAPI(baseURL: server, logger: logger)
/// switch try await auth.login(email: email, password: password) {
/// case .signedIn(let user, let tokens): save(user, tokens)
/// case .mfaRequired(let ticket): try await auth.verifyMFA(ticket: ticket, code: readCode())
/// }
/// ```
public struct AuthAPI: Sendable {
    private let transport: HTTPTransport

    /// A client for the sign-in routes of the server at `baseURL`.
    public init(
        baseURL: URL, client: HTTPClient = .shared, timeout: Duration = .seconds(30),
        rateLimit: RateLimitPolicy = RateLimitPolicy(), logger: Logger
    ) {
        transport = HTTPTransport(
            baseURL: baseURL, client: client, timeout: timeout, maximumBodySize: 1 << 20, rateLimit: rateLimit,
            logger: logger)
    }

    /// `POST /auth/login`: signs in, or answers that a second factor is needed.
    /// - Throws: ``ClientError/unauthorized(code:message:)`` with `INVALID_CREDENTIALS` for a wrong email or
    ///   password; ``ClientError/server(code:message:status:)`` otherwise (403 `MFA_REQUIRED` from an older server).
    public func login(email: String, password: String) async throws(ClientError) -> LoginResponse {
        let body = try HTTPTransport.encode(LoginRequest(email: email, password: password))
        return try HTTPTransport.data(
            try await transport.send(.init(method: .POST, path: "/auth/login", body: body), bearer: nil))
    }

    /// `POST /auth/mfa/verify`: completes a sign-in that answered ``LoginResponse/mfaRequired(ticket:)``.
    public func verifyMFA(ticket: String, code: String) async throws(ClientError) -> LoginResponse {
        let body = try HTTPTransport.encode(MFAVerifyRequest(ticket: ticket, code: code))
        return try HTTPTransport.data(
            try await transport.send(.init(method: .POST, path: "/auth/mfa/verify", body: body), bearer: nil))
    }

    /// `POST /auth/refresh`: spends `refreshToken` and answers the new pair.
    /// - Throws: ``ClientError/signInRequired(code:)`` when the server refuses the refresh token (spent, expired,
    ///   unknown or revoked); transport and server errors otherwise.
    public func refresh(refreshToken: String) async throws(ClientError) -> AuthTokens {
        let body = try HTTPTransport.encode(RefreshRequest(refreshToken: refreshToken))
        let answer = try await transport.send(.init(method: .POST, path: "/auth/refresh", body: body), bearer: nil)
        if answer.status == 401 || answer.status == 400 {
            throw .signInRequired(code: HTTPTransport.failure(answer).serverError?.code ?? .unauthorised)
        }
        return try HTTPTransport.data(answer)
    }
}
