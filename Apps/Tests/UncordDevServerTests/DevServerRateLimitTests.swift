import Foundation
import Testing
import UncordDevServer
import UncordProtocol

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Issue 14, item 5: the development server limits HTTP requests as the real one does (60 a minute by default), and
/// answers 429 RATE_LIMITED with `Retry-After`; every request counts, the gateway upgrade included.
@Suite struct DevServerRateLimitTests {
    @Test func requestsBeyondTheLimitAnswer429WithRetryAfter() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory(), rateLimit: 5)
        defer { server.task.cancel() }
        let user = UUID()
        for _ in 0..<5 { #expect(try await server.call("GET", "/users/@me/devices", user: user).status == 200) }
        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/api/v1/users/@me/devices"))
        var request = URLRequest(url: url)
        request.setValue("Bearer dev:\(user.uuidString)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 429)
        let retryAfter = try #require(Int(http.value(forHTTPHeaderField: "Retry-After") ?? ""))
        #expect((1...60).contains(retryAfter))
        #expect(try WireJSON.decode(ServerError.self, from: Array(data)).code == .rateLimited)
    }

    @Test func theDefaultIsTheRealServersAndZeroTurnsItOff() throws {
        #expect(DevServerConfiguration(dataDirectory: "/tmp/x").rateLimit == 60)
        #expect(throws: DevServerConfigurationError.invalidRateLimit(-1)) {
            try DevServerConfiguration(dataDirectory: "/tmp/x", rateLimit: -1).validate()
        }
    }
}
