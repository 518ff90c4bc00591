public import AsyncHTTPClient
public import Foundation
public import Logging
public import UncordProtocol

/// Where ``HTTPServerAPI`` and ``GatewayClient`` get the access token they present, and how they get a new one
/// when the server refuses it.
///
/// A fixed token (``FixedAccessToken``) serves a caller that manages tokens itself; ``RefreshingAccessToken`` keeps
/// a signed-in account working across the server's 15-minute access tokens, rotating the refresh token as the
/// server requires.
public protocol AccessTokenProvider: Sendable {
    /// The token to present now; a provider that knows its token has expired renews it first.
    func accessToken() async throws(ClientError) -> String

    /// The server refused `token` (HTTP 401, gateway close 4004): a new token, or an error when none can be had.
    /// A token other than `token` is answered at once when another call already renewed it.
    func renewAccessToken(rejected token: String) async throws(ClientError) -> String
}

/// One access token, presented as is; a refusal is final.
public struct FixedAccessToken: AccessTokenProvider {
    private let token: String

    /// A provider that always presents `token`.
    public init(_ token: String) {
        self.token = token
    }

    /// The token.
    public func accessToken() async throws(ClientError) -> String { token }

    /// Throws ``ClientError/unauthorized(code:message:)``: a fixed token cannot be renewed.
    public func renewAccessToken(rejected token: String) async throws(ClientError) -> String {
        throw .unauthorized(code: .unauthorised, message: "")
    }
}

/// An account's access token, refreshed through `POST /auth/refresh` when it is about to expire or is refused.
///
/// Each refresh spends the current refresh token and gets a new pair; the new pair goes to `save` — which must
/// make it durable — **before** it is used, so a crash never loses the only refresh token that still works, and
/// the spent one is never presented again (the server treats a reuse as theft). Refreshes are single-flight: any
/// number of callers refused at once cause one refresh. An access token that names its expiry (a JWT's `exp`) is
/// refreshed shortly before it; one that does not is refreshed when refused.
///
/// ```swift
/// let tokens = RefreshingAccessToken(
///     baseURL: server, tokens: saved.tokens, logger: logger,
///     save: { tokens, expiry in try store.saveServerCredentials(…) })
/// let api = HTTPServerAPI(baseURL: server, tokens: tokens, logger: logger)
/// ```
/// Where several processes that sign in as one device keep its tokens (an app and its notification extension, the
/// CLI beside a running `listen`): each refresh spends the refresh token, so only one process may refresh at a time,
/// and the others must take the pair it saved instead of presenting the spent token (which the server treats as
/// theft).
public protocol SharedTokenStore: Sendable {
    /// Runs `body` while no other process runs its own (waiting for them); the refresh happens inside.
    func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T
    /// The pair stored now, which another process may have refreshed since this one read it.
    func load() async throws -> AuthTokens?
    /// Makes a new pair durable; called before the pair is used.
    func save(_ tokens: AuthTokens, expiry: Date?) async throws
}

public actor RefreshingAccessToken: AccessTokenProvider {
    /// How long before its stated expiry an access token is renewed.
    public nonisolated let renewalMargin: Duration
    private let auth: AuthAPI
    private let save: @Sendable (AuthTokens, Date?) async throws -> Void
    private let shared: (any SharedTokenStore)?
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var tokens: AuthTokens
    private var expiry: Date?
    /// How long before ``expiry`` the current token is renewed.
    private var margin: TimeInterval = 0
    private var refreshing: Task<AuthTokens, any Error>?

    /// A provider starting from `tokens` (from a login or the store).
    /// - Parameters:
    ///   - save: makes a new pair durable; called before the pair is used. A throw fails the refresh.
    ///   - renewalMargin: how long before a stated expiry the token is renewed.
    public init(
        baseURL: URL, tokens: AuthTokens, client: HTTPClient = .shared, rateLimit: RateLimitPolicy = RateLimitPolicy(),
        renewalMargin: Duration = .seconds(30), logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        save: @escaping @Sendable (AuthTokens, Date?) async throws -> Void
    ) {
        auth = AuthAPI(baseURL: baseURL, client: client, rateLimit: rateLimit, logger: logger)
        shared = nil
        self.tokens = tokens
        self.renewalMargin = renewalMargin
        self.save = save
        self.now = now
        self.logger = logger
        (expiry, margin) = Self.schedule(of: tokens.accessToken, now: now(), renewalMargin: renewalMargin)
    }

    /// A provider for one device's tokens shared with other processes through `store`: a refresh runs inside
    /// ``SharedTokenStore/exclusively(_:)``, first takes a pair another process refreshed meanwhile (no request), and
    /// otherwise spends the stored refresh token and saves the new pair before using it.
    public init(
        baseURL: URL, tokens: AuthTokens, store: any SharedTokenStore, client: HTTPClient = .shared,
        rateLimit: RateLimitPolicy = RateLimitPolicy(), renewalMargin: Duration = .seconds(30), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        auth = AuthAPI(baseURL: baseURL, client: client, rateLimit: rateLimit, logger: logger)
        shared = store
        save = { tokens, expiry in try await store.save(tokens, expiry: expiry) }
        self.tokens = tokens
        self.renewalMargin = renewalMargin
        self.now = now
        self.logger = logger
        (expiry, margin) = Self.schedule(of: tokens.accessToken, now: now(), renewalMargin: renewalMargin)
    }

    /// A token's expiry and how long before it the token is renewed.
    private static func schedule(
        of token: String, now: Date, renewalMargin: Duration
    ) -> (expiry: Date?, margin: TimeInterval) {
        guard let expiry = JSONWebToken.expiry(of: token) else { return (nil, 0) }
        return (expiry, min(renewalMargin.seconds, max(0, expiry.timeIntervalSince(now)) / 4))
    }

    /// The current access token, renewed first when its stated expiry is near: within ``renewalMargin``, or within
    /// a quarter of the lifetime it had when received if that is shorter (so a short-lived token is not renewed on
    /// every call).
    public func accessToken() async throws(ClientError) -> String {
        if let expiry, now().addingTimeInterval(margin) >= expiry {
            return try await refresh(replacing: tokens.accessToken)
        }
        return tokens.accessToken
    }

    /// A new access token after the server refused `token`.
    public func renewAccessToken(rejected token: String) async throws(ClientError) -> String {
        try await refresh(replacing: token)
    }

    /// The refresh token now held; for tests and diagnostics (never log it).
    public var currentTokens: AuthTokens { tokens }

    /// Refreshes unless the token `replacing` names was already replaced; joins a refresh under way.
    private func refresh(replacing token: String) async throws(ClientError) -> String {
        if token != tokens.accessToken { return tokens.accessToken }
        let task: Task<AuthTokens, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let (auth, save, held, logger, shared) = (auth, save, tokens, logger, shared)
            task = Task {
                @Sendable func exchange(_ spent: String) async throws -> AuthTokens {
                    let fresh = try await auth.refresh(refreshToken: spent)
                    do {
                        try await save(fresh, JSONWebToken.expiry(of: fresh.accessToken))
                    } catch {
                        logger.error("new tokens could not be saved; they are not used")
                        throw ClientError.credentialsNotSaved(reason: String(describing: error))
                    }
                    return fresh
                }
                guard let shared else { return try await exchange(held.refreshToken) }
                return try await shared.exclusively {
                    // Another process may have refreshed while this one waited: its pair is the one to use.
                    let stored = try await shared.load() ?? held
                    if stored.accessToken != held.accessToken { return stored }
                    return try await exchange(stored.refreshToken)
                }
            }
            refreshing = task
        }
        let fresh: AuthTokens
        do {
            fresh = try await task.value
        } catch {
            if refreshing == task { refreshing = nil }
            throw (error as? ClientError) ?? .transport(reason: String(describing: type(of: error)))
        }
        if refreshing == task {
            refreshing = nil
            tokens = fresh
            (expiry, margin) = Self.schedule(of: fresh.accessToken, now: now(), renewalMargin: renewalMargin)
            logger.info("access token refreshed")
        }
        return tokens.accessToken
    }
}

/// What an access token says about itself, read without checking its signature (the server checks it; the
/// client only wants to know when to renew).
public enum JSONWebToken {
    /// The `exp` claim of a JWT (`header.payload.signature`, base64url without padding) as a date, or `nil`
    /// when `token` is not a JWT or names no expiry.
    public static func expiry(of token: String) -> Date? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let payload = Data(base64Encoded: text),
            let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let exp = claims["exp"] as? NSNumber
        else { return nil }
        let seconds = exp.doubleValue
        guard seconds.isFinite, seconds > 0 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}
