import Foundation
import Logging
import Synchronization
import Testing
import UncordClient
import UncordProtocol

/// Issue 14, item 2: a 429 is waited out (Retry-After, else a doubling delay) and the same request sent again;
/// never a storm. The waits are recorded, not slept.
@Suite struct RateLimitTests {
    static let tooMany = #"{"error":{"code":"RATE_LIMITED","message":"too many requests"}}"#

    final class Waits: Sendable {
        let recorded = Mutex<[Duration]>([])
        var all: [Duration] { recorded.withLock { $0 } }
    }

    func api(_ url: URL, waits: Waits, attempts: Int = 6) -> HTTPServerAPI {
        HTTPServerAPI(
            baseURL: url, token: "t", timeout: .seconds(60),
            rateLimit: RateLimitPolicy(
                maximumAttempts: attempts, initialDelay: .seconds(1), maximumDelay: .seconds(60),
                sleep: { duration in waits.recorded.withLock { $0.append(duration) } }),
            logger: Logger(label: "test"))
    }

    @Test func retryAfterIsWaitedAndTheSameRequestSentAgain() async throws {
        let state = FakeHTTPState()
        let path = "/api/v1/users/@me/devices/\(UUID().uuidString.lowercased())/one-time-pre-keys/count"
        await state.queue(
            "GET", path,
            [
                CannedAnswer(status: 429, body: Self.tooMany, retryAfter: "7"),
                CannedAnswer(status: 429, body: Self.tooMany, retryAfter: "2"),
            ])
        await state.set("GET", path, CannedAnswer(status: 200, body: #"{"data":{"count":42}}"#))
        let waits = Waits()
        let device = try #require(UUID(uuidString: String(path.split(separator: "/")[5])))
        try await withFakeHTTPServer(state) { url in
            let count = try await api(url, waits: waits).oneTimePreKeyCount(device: device)
            #expect(count == 42)
        }
        #expect(waits.all == [.seconds(7), .seconds(2)])
        #expect(await state.requests.count == 3)
    }

    @Test func withoutRetryAfterTheDelayDoublesAndTheLastAnswerIsThrown() async throws {
        let state = FakeHTTPState()
        await state.set("GET", "/api/v1/users/@me/devices", CannedAnswer(status: 429, body: Self.tooMany))
        let waits = Waits()
        try await withFakeHTTPServer(state) { url in
            await #expect(throws: ClientError.self) { _ = try await api(url, waits: waits, attempts: 4).devices() }
        }
        #expect(await state.requests.count == 4)
        let delays = waits.all
        #expect(delays.count == 3)
        for (index, delay) in delays.enumerated() {
            let full = Duration.seconds(1 << index)
            #expect(delay >= full * 0.5 && delay <= full, "retry \(index + 1) waited \(delay)")
        }
    }

    @Test func anHTTPDateRetryAfterIsReadAndCapped() {
        let policy = RateLimitPolicy(maximumDelay: .seconds(30))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inTen = formatter.string(from: now.addingTimeInterval(10))
        let inAnHour = formatter.string(from: now.addingTimeInterval(3600))
        #expect(policy.delay(beforeRetry: 1, retryAfter: inTen, now: now, jitter: 1) == .seconds(10))
        #expect(policy.delay(beforeRetry: 1, retryAfter: inAnHour, now: now, jitter: 1) == .seconds(30))
        #expect(policy.delay(beforeRetry: 1, retryAfter: "soon", now: now, jitter: 1) == .seconds(1))
    }
}
