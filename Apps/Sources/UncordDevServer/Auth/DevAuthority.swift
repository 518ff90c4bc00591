import Foundation
import HTTPTypes
import UncordCrypto
import UncordProtocol

/// The development server's sign-in: `POST /auth/login` for any email `<user-uuid>@dev` with any non-empty
/// password (the user is whoever the address names), an optional second factor, and `POST /auth/refresh` with the
/// real server's rotation rules — every refresh spends its token and answers a new pair; a spent token presented
/// again answers 401 `TOKEN_REUSED` and revokes every refresh token of that user (UNCORD_API.md).
///
/// Refresh tokens live in memory: a restarted development server signs everyone out (`dev:` tokens keep working).
actor DevAuthority {
    /// Access tokens: issued and checked here.
    nonisolated let accessTokens: DevAccessToken
    /// The code a second factor must give, or `nil` when logins need none.
    let mfaCode: String?
    /// How long a refresh token is valid: 7 days, as on the real server.
    let refreshLifetime: TimeInterval = 7 * 24 * 3600
    /// How long an MFA ticket is valid: 5 minutes, as on the real server.
    let ticketLifetime: TimeInterval = 300

    private struct RefreshRecord {
        let user: UUID
        let expires: Date
        var spent = false
    }

    private var refreshTokens: [String: RefreshRecord] = [:]
    private var tickets: [String: (user: UUID, expires: Date)] = [:]
    private let random: any RandomSource
    private let now: @Sendable () -> Date

    init(
        accessTokenLifetime: Duration, mfaCode: String?, random: any RandomSource = SystemRandom(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        accessTokens = DevAccessToken(lifetime: accessTokenLifetime, random: random, now: now)
        self.mfaCode = mfaCode
        self.random = random
        self.now = now
    }

    /// The answer to a login: a user and tokens, or a ticket for the second factor.
    enum LoginOutcome: Sendable {
        case signedIn(user: UUID, tokens: AuthTokens)
        case mfaRequired(ticket: String)
    }

    /// Signs in the user an email `<uuid>@dev` names.
    func login(email: String, password: String) throws(DevServerError) -> LoginOutcome {
        let parts = email.lowercased().split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == "dev", let user = UUID(uuidString: String(parts[0])), !password.isEmpty
        else {
            throw DevServerError(
                .unauthorized, .invalidCredentials, "sign in as <user-uuid>@dev with any non-empty password")
        }
        guard mfaCode != nil else { return .signedIn(user: user, tokens: issue(for: user)) }
        let ticket = Base64URL.encode(random.bytes(24))
        tickets[ticket] = (user, now().addingTimeInterval(ticketLifetime))
        return .mfaRequired(ticket: ticket)
    }

    /// Completes a login with its second factor; a ticket works once.
    func verifyMFA(ticket: String, code: String) throws(DevServerError) -> (user: UUID, tokens: AuthTokens) {
        guard let entry = tickets.removeValue(forKey: ticket), entry.expires > now() else {
            throw DevServerError(.unauthorized, .invalidToken, "the ticket is unknown, used or expired")
        }
        guard code == mfaCode else {
            throw DevServerError(.unauthorized, .invalidCredentials, "wrong code")
        }
        return (entry.user, issue(for: entry.user))
    }

    /// Spends `token` and answers a new pair.
    func refresh(_ token: String) throws(DevServerError) -> AuthTokens {
        guard let record = refreshTokens[token], record.expires > now() else {
            throw DevServerError(.unauthorized, .tokenReused, "the refresh token is unknown or expired")
        }
        guard !record.spent else {
            for (key, other) in refreshTokens where other.user == record.user { refreshTokens[key]?.spent = true }
            throw DevServerError(
                .unauthorized, .tokenReused, "the refresh token was already used; every session of the user is revoked")
        }
        refreshTokens[token]?.spent = true
        return issue(for: record.user)
    }

    private func issue(for user: UUID) -> AuthTokens {
        let refresh = Base64URL.encode(random.bytes(32))
        refreshTokens[refresh] = RefreshRecord(user: user, expires: now().addingTimeInterval(refreshLifetime))
        return AuthTokens(accessToken: accessTokens.issue(for: user).token, refreshToken: refresh)
    }
}
