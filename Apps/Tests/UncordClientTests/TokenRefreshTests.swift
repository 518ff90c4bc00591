import Foundation
import Logging
import Synchronization
import Testing
import UncordClient
import UncordProtocol

/// Issue 14, item 1: a refused access token is renewed once through `POST /auth/refresh`, the new pair saved before it
/// is used, one refresh for any number of callers refused at once, and a refused refresh is final.
@Suite struct TokenRefreshTests {
    static let expired = #"{"error":{"code":"TOKEN_EXPIRED","message":"expired"}}"#
    static let devicesPath = "/api/v1/users/@me/devices"

    /// What the provider saved, in order, with how many requests the server had seen at that moment.
    final class Saved: Sendable {
        let pairs = Mutex<[(AuthTokens, Int)]>([])
        var all: [(AuthTokens, Int)] { pairs.withLock { $0 } }
    }

    static func pair(_ access: String, _ refresh: String) -> String {
        #"{"data":{"access_token":"\#(access)","refresh_token":"\#(refresh)"}}"#
    }

    func provider(
        _ url: URL, _ state: FakeHTTPState, saved: Saved, access: String = "a1", failSave: Bool = false
    ) -> RefreshingAccessToken {
        RefreshingAccessToken(
            baseURL: url, tokens: AuthTokens(accessToken: access, refreshToken: "r1"), logger: Logger(label: "test"),
            save: { tokens, _ in
                if failSave { throw CancellationError() }
                let seen = await state.requests.count
                saved.pairs.withLock { $0.append((tokens, seen)) }
            })
    }

    @Test func aRefusedTokenIsRefreshedSavedAndTheRequestSentAgain() async throws {
        let state = FakeHTTPState()
        await state.queue("GET", Self.devicesPath, [CannedAnswer(status: 401, body: Self.expired)])
        await state.set("GET", Self.devicesPath, CannedAnswer(status: 200, body: #"{"data":[]}"#))
        await state.set("POST", "/api/v1/auth/refresh", CannedAnswer(status: 200, body: Self.pair("a2", "r2")))
        let saved = Saved()
        try await withFakeHTTPServer(state) { url in
            let tokens = provider(url, state, saved: saved)
            let api = HTTPServerAPI(baseURL: url, tokens: tokens, timeout: .seconds(60), logger: Logger(label: "t"))
            let devices = try await api.devices()
            #expect(devices.isEmpty)
            let current = await tokens.currentTokens
            #expect(current == AuthTokens(accessToken: "a2", refreshToken: "r2"))
        }
        let requests = await state.requests
        #expect(requests.map(\.path) == [Self.devicesPath, "/api/v1/auth/refresh", Self.devicesPath])
        #expect(requests.map(\.authorization) == ["Bearer a1", nil, "Bearer a2"])
        #expect(String(decoding: requests[1].body, as: UTF8.self) == #"{"refresh_token":"r1"}"#)
        // Saved once, after the refresh answered and before the retry was sent.
        #expect(saved.all.map(\.0) == [AuthTokens(accessToken: "a2", refreshToken: "r2")])
        #expect(saved.all.map(\.1) == [2])
    }

    @Test func callersRefusedTogetherShareOneRefresh() async throws {
        let state = FakeHTTPState()
        // The first token is refused, the renewed one accepted, whatever order the requests arrive in.
        await state.set(
            "GET", Self.devicesPath, authorization: "Bearer a1", CannedAnswer(status: 401, body: Self.expired))
        await state.set("GET", Self.devicesPath, CannedAnswer(status: 200, body: #"{"data":[]}"#))
        await state.set("POST", "/api/v1/auth/refresh", CannedAnswer(status: 200, body: Self.pair("a2", "r2")))
        let saved = Saved()
        try await withFakeHTTPServer(state) { url in
            let tokens = provider(url, state, saved: saved)
            let api = HTTPServerAPI(baseURL: url, tokens: tokens, timeout: .seconds(60), logger: Logger(label: "t"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 { group.addTask { _ = try await api.devices() } }
                try await group.waitForAll()
            }
        }
        let requests = await state.requests
        #expect(requests.filter { $0.path == "/api/v1/auth/refresh" }.count == 1)
        #expect(requests.filter { $0.authorization == "Bearer a2" }.count == 5)
        #expect(saved.all.count == 1)
    }

    @Test func aRefusedRefreshTokenMeansSigningInAgain() async throws {
        let state = FakeHTTPState()
        await state.set("GET", Self.devicesPath, CannedAnswer(status: 401, body: Self.expired))
        await state.set(
            "POST", "/api/v1/auth/refresh",
            CannedAnswer(status: 401, body: #"{"error":{"code":"TOKEN_REUSED","message":"used"}}"#))
        let saved = Saved()
        try await withFakeHTTPServer(state) { url in
            let api = HTTPServerAPI(
                baseURL: url, tokens: provider(url, state, saved: saved), timeout: .seconds(60),
                logger: Logger(label: "t"))
            await #expect(throws: ClientError.signInRequired(code: .tokenReused)) { _ = try await api.devices() }
        }
        #expect(await state.requests.map(\.path) == [Self.devicesPath, "/api/v1/auth/refresh"])
        #expect(saved.all.isEmpty)
    }

    @Test func tokensThatCannotBeSavedAreNeverUsed() async throws {
        let state = FakeHTTPState()
        await state.set("GET", Self.devicesPath, CannedAnswer(status: 401, body: Self.expired))
        await state.set("POST", "/api/v1/auth/refresh", CannedAnswer(status: 200, body: Self.pair("a2", "r2")))
        try await withFakeHTTPServer(state) { url in
            let api = HTTPServerAPI(
                baseURL: url, tokens: provider(url, state, saved: Saved(), failSave: true), timeout: .seconds(60),
                logger: Logger(label: "t"))
            await #expect {
                _ = try await api.devices()
            } throws: { error in
                guard case .credentialsNotSaved = error as? ClientError else { return false }
                return true
            }
        }
        #expect(await state.requests.allSatisfy { $0.authorization != "Bearer a2" })
    }

    @Test func aTokenAboutToExpireIsRenewedBeforeItIsSent() async throws {
        let state = FakeHTTPState()
        await state.set("GET", Self.devicesPath, CannedAnswer(status: 200, body: #"{"data":[]}"#))
        await state.set("POST", "/api/v1/auth/refresh", CannedAnswer(status: 200, body: Self.pair("a2", "r2")))
        let start = Date()
        let expiring = Self.jwt(expiry: start.addingTimeInterval(10))
        let clock = Mutex(start)
        try await withFakeHTTPServer(state) { url in
            let tokens = RefreshingAccessToken(
                baseURL: url, tokens: AuthTokens(accessToken: expiring, refreshToken: "r1"),
                logger: Logger(label: "test"), now: { clock.withLock { $0 } }, save: { _, _ in })
            // Received with 10 s to live: renewed within its last quarter (2.5 s), not before.
            let early = try await tokens.accessToken()
            #expect(early == expiring)
            clock.withLock { $0 = start.addingTimeInterval(8) }
            let api = HTTPServerAPI(baseURL: url, tokens: tokens, timeout: .seconds(60), logger: Logger(label: "t"))
            _ = try await api.devices()
        }
        #expect(await state.requests.map(\.authorization) == [nil, "Bearer a2"])
    }

    @Test func aFixedTokenIsNeverRefreshed() async throws {
        let state = FakeHTTPState()
        await state.set("GET", Self.devicesPath, CannedAnswer(status: 401, body: Self.expired))
        try await withFakeHTTPServer(state) { url in
            let api = HTTPServerAPI(baseURL: url, token: "fixed", timeout: .seconds(60), logger: Logger(label: "t"))
            await #expect(throws: ClientError.unauthorized(code: .tokenExpired, message: "expired")) {
                _ = try await api.devices()
            }
        }
        #expect(await state.requests.count == 1)
    }

    @Test func theExpiryOfAJSONWebTokenIsRead() {
        let expiry = Date(timeIntervalSince1970: 1_900_000_000)
        #expect(JSONWebToken.expiry(of: Self.jwt(expiry: expiry)) == expiry)
        #expect(JSONWebToken.expiry(of: "dev:6f1c2a4e-0000-4000-8000-00000000a11c") == nil)
        #expect(JSONWebToken.expiry(of: "a.b.c") == nil)
        #expect(JSONWebToken.expiry(of: "") == nil)
    }

    /// An unsigned JWT-shaped token with `exp` (the client never checks the signature).
    static func jwt(expiry: Date) -> String {
        func part(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        return part(#"{"alg":"HS256"}"#) + "." + part(#"{"exp":\#(Int(expiry.timeIntervalSince1970))}"#) + ".sig"
    }
}
