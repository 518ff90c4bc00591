import Foundation
import Logging
import Synchronization
import Testing
import UncordClient
import UncordDevServer
import UncordProtocol

/// Issue 14, item 5: the development server signs in as the real one does — `<user-uuid>@dev` with any password,
/// access tokens that expire (`--access-token-lifetime`), refresh tokens that rotate, a reused refresh token
/// revoking every one of the user's, an optional second factor — and the gateway refuses an expired token (4004),
/// which the client renews and reconnects past.
@Suite struct DevServerAuthTests {
    static let logger = Logger(label: "test")

    func bearer(_ server: RunningServer, _ token: String) async throws -> Int {
        try await server.call("GET", "/users/@me/devices", user: nil, headers: ["Authorization": "Bearer \(token)"])
            .status
    }

    func auth(_ server: RunningServer) throws -> AuthAPI {
        AuthAPI(baseURL: try #require(URL(string: "http://127.0.0.1:\(server.port)")), logger: Self.logger)
    }

    @Test func accessTokensExpireAndRefreshTokensRotateOnce() async throws {
        let clock = ManualWallClock()
        let server = try await RunningServer.start(
            directory: RunningServer.temporaryDirectory(), accessTokenLifetime: .seconds(1), now: clock.reading)
        defer { server.task.cancel() }
        let user = UUID()
        let auth = try auth(server)
        guard case .signedIn(let signedIn, let first) = try await auth.login(email: "\(user.wire)@DEV", password: "x")
        else { Issue.record("no sign-in"); return }
        #expect(signedIn == user)
        let expiry = try #require(JSONWebToken.expiry(of: first.accessToken))
        #expect(expiry.timeIntervalSince(clock.now) == 1)
        #expect(try await bearer(server, first.accessToken) == 200)

        clock.advance(by: .milliseconds(999))
        #expect(try await bearer(server, first.accessToken) == 200)
        clock.advance(by: .milliseconds(1))
        let expired = try await server.call(
            "GET", "/users/@me/devices", user: nil, headers: ["Authorization": "Bearer \(first.accessToken)"])
        #expect(expired.status == 401)
        #expect(try WireJSON.decode(ServerError.self, from: expired.body).code == .tokenExpired)

        let second = try await auth.refresh(refreshToken: first.refreshToken)
        #expect(second.refreshToken != first.refreshToken)
        #expect(try await bearer(server, second.accessToken) == 200)

        // Presenting the spent token again is taken as theft: it fails, and so does the pair it was exchanged for.
        await #expect(throws: ClientError.signInRequired(code: .tokenReused)) {
            _ = try await auth.refresh(refreshToken: first.refreshToken)
        }
        await #expect(throws: ClientError.signInRequired(code: .tokenReused)) {
            _ = try await auth.refresh(refreshToken: second.refreshToken)
        }
        await #expect(throws: ClientError.signInRequired(code: .tokenReused)) {
            _ = try await auth.refresh(refreshToken: "never-issued")
        }
        // dev: tokens keep working and never expire.
        #expect(try await server.call("GET", "/users/@me/devices", user: user).status == 200)
    }

    @Test func onlyDevAddressesWithAPasswordSignIn() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let auth = try auth(server)
        for (email, password) in [
            ("alice@example.org", "x"), ("\(UUID().wire)@dev", ""), ("not-a-uuid@dev", "x"), ("\(UUID().wire)", "x"),
        ] {
            await #expect {
                _ = try await auth.login(email: email, password: password)
            } throws: { error in
                if case .unauthorized(let code, _) = error as? ClientError { return code == .invalidCredentials }
                return false
            }
        }
        for token in ["", "garbage", "a.b.c", "dev:not-a-uuid"] {
            #expect(try await bearer(server, token) == 401)
        }
    }

    @Test func aSecondFactorTicketWorksOnceWithTheRightCode() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory(), mfaCode: "123456")
        defer { server.task.cancel() }
        let user = UUID()
        let auth = try auth(server)
        guard case .mfaRequired(let ticket) = try await auth.login(email: "\(user.wire)@dev", password: "x") else {
            Issue.record("no second factor asked")
            return
        }
        await #expect(throws: ClientError.self) { _ = try await auth.verifyMFA(ticket: ticket, code: "000000") }
        guard case .mfaRequired(let again) = try await auth.login(email: "\(user.wire)@dev", password: "x") else {
            Issue.record("no second factor asked")
            return
        }
        guard case .signedIn(let signedIn, let tokens) = try await auth.verifyMFA(ticket: again, code: "123456") else {
            Issue.record("no sign-in")
            return
        }
        #expect(signedIn == user)
        #expect(try await bearer(server, tokens.accessToken) == 200)
        await #expect(throws: ClientError.self) { _ = try await auth.verifyMFA(ticket: again, code: "123456") }
    }

    @Test func theGatewayRefusesAnExpiredTokenAndTheClientRenewsIt() async throws {
        // The server and the client read one clock that stands still, so the renewed token cannot expire before the
        // gateway sees it however slowly a loaded machine gets there.
        let clock = ManualWallClock()
        let server = try await RunningServer.start(
            directory: RunningServer.temporaryDirectory(), accessTokenLifetime: .seconds(1), now: clock.reading)
        defer { server.task.cancel() }
        let user = UUID()
        let base = try #require(URL(string: "http://127.0.0.1:\(server.port)"))
        guard case .signedIn(_, let login) = try await auth(server).login(email: "\(user.wire)@dev", password: "x")
        else { Issue.record("no sign-in"); return }
        clock.advance(by: .seconds(2))
        #expect(try await bearer(server, login.accessToken) == 401)
        // The expired access token is presented as if its expiry were unknown, so the gateway refuses it (4004).
        let stale = AuthTokens(accessToken: "opaque-stale-token", refreshToken: login.refreshToken)
        let saves = Mutex(0)
        let tokens = RefreshingAccessToken(
            baseURL: base, tokens: stale, logger: Self.logger, now: clock.reading,
            save: { _, _ in saves.withLock { $0 += 1 } })
        let gateway = GatewayClient(
            baseURL: base, tokens: tokens, configuration: GatewayConfiguration(maximumAttempts: 3),
            logger: Self.logger)
        let running = Task { try await gateway.run() }
        var ready = false
        for await frame in gateway.frames {
            if String(decoding: frame.bytes, as: UTF8.self).contains(#""READY""#) {
                ready = true
                break
            }
        }
        await gateway.stop()
        _ = await running.result
        #expect(ready)
        #expect(saves.withLock { $0 } == 1)
        #expect(await tokens.currentTokens.refreshToken != login.refreshToken)
    }

    @Test func aTokenThatCannotBeRenewedEndsTheGatewaySession() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let base = try #require(URL(string: "http://127.0.0.1:\(server.port)"))
        let tokens = RefreshingAccessToken(
            baseURL: base, tokens: AuthTokens(accessToken: "stale", refreshToken: "never-issued"),
            logger: Self.logger, save: { _, _ in })
        let gateway = GatewayClient(baseURL: base, tokens: tokens, logger: Self.logger)
        await #expect(throws: ClientError.signInRequired(code: .tokenReused)) { try await gateway.run() }
        let fixed = GatewayClient(baseURL: base, token: "stale", logger: Self.logger)
        await #expect(throws: ClientError.gatewayClosed(.authenticationFailed)) { try await fixed.run() }
    }

    @Test func theLifetimeIsCheckedAndDefaultsToTheRealServers() {
        #expect(DevServerConfiguration(dataDirectory: "/tmp/x").accessTokenLifetime == .seconds(900))
        #expect(throws: DevServerConfigurationError.invalidTokenLifetime) {
            try DevServerConfiguration(dataDirectory: "/tmp/x", accessTokenLifetime: .zero).validate()
        }
    }
}

extension UUID {
    fileprivate var wire: String { uuidString.lowercased() }
}
