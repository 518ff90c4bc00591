public import Foundation

/// How ``HTTPServerAPI`` waits out a `429 Too Many Requests` (the real server allows 60 requests a minute per
/// address): the server's `Retry-After` when it gives one, else a delay that doubles from ``initialDelay`` up to
/// ``maximumDelay`` with jitter, for at most ``maximumAttempts`` tries of one call. A 429 means the server did not
/// act on the request, so retrying it is safe for every method.
public struct RateLimitPolicy: Sendable {
    /// How many times one call is tried in all (the first try included) before the 429 is thrown.
    public var maximumAttempts: Int
    /// The delay before the first retry when the server gives no `Retry-After`.
    public var initialDelay: Duration
    /// The longest delay waited before one retry, `Retry-After` included.
    public var maximumDelay: Duration
    /// Waits; injectable so tests need no clock.
    public var sleep: @Sendable (Duration) async throws -> Void

    /// A policy; the defaults suit the real server's one-minute window.
    public init(
        maximumAttempts: Int = 6, initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(60),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.sleep = sleep
    }

    /// The delay before retry number `retry` (1 for the first): `Retry-After` (seconds, or an HTTP date) when
    /// given, else the doubling delay scaled by `jitter` (expected in 0.5…1); never above ``maximumDelay``.
    public func delay(beforeRetry retry: Int, retryAfter: String?, now: Date = Date(), jitter: Double) -> Duration {
        if let retryAfter, let seconds = Self.seconds(retryAfter, now: now) {
            return min(.milliseconds(Int64(seconds * 1000)), maximumDelay)
        }
        var delay = initialDelay
        for _ in 1..<max(1, min(retry, 32)) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay) * jitter
    }

    /// A `Retry-After` value in seconds: a non-negative integer, or an HTTP date (RFC 9110) in the future.
    static func seconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return Double(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
