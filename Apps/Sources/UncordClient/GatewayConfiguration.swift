/// How a ``GatewayClient`` times its connection and its reconnects.
public struct GatewayConfiguration: Sendable {
    /// How long a new connection may wait for the server's Hello before it is dropped and retried.
    public var helloTimeout: Duration
    /// The delay before the first retry after a failed connection; it doubles with each further failure.
    public var initialBackoff: Duration
    /// The longest delay between two attempts.
    public var maximumBackoff: Duration
    /// The shortest delay before reconnecting after the server closed with 4008 (rate limited); it doubles with
    /// each further 4008 in a row, up to ``maximumBackoff``.
    public var rateLimitedBackoff: Duration
    /// How many connection attempts in a row may fail (no READY or RESUMED) before ``GatewayClient/run()`` gives
    /// up with ``ClientError/gatewayUnreachable(attempts:)``; `nil` retries forever.
    public var maximumAttempts: Int?
    /// The largest gateway message accepted, in bytes.
    public var maximumMessageSize: Int
    /// How long a closing connection waits for the server's close frame.
    public var closeTimeout: Duration

    /// A configuration; the defaults suit a real server.
    public init(
        helloTimeout: Duration = .seconds(10), initialBackoff: Duration = .milliseconds(500),
        maximumBackoff: Duration = .seconds(30), maximumAttempts: Int? = nil, maximumMessageSize: Int = 1 << 20,
        closeTimeout: Duration = .seconds(2), rateLimitedBackoff: Duration = .seconds(5)
    ) {
        self.helloTimeout = helloTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.rateLimitedBackoff = rateLimitedBackoff
        self.maximumAttempts = maximumAttempts
        self.maximumMessageSize = maximumMessageSize
        self.closeTimeout = closeTimeout
    }

    /// The delay before attempt `failures` + 1: `initialBackoff` doubled per failure, capped at `maximumBackoff`,
    /// then scaled by `jitter` (expected in 0.5…1).
    func backoff(afterFailures failures: Int, jitter: Double) -> Duration {
        var delay = initialBackoff
        for _ in 0..<min(failures, 32) where delay < maximumBackoff { delay *= 2 }
        return min(delay, maximumBackoff) * jitter
    }

    /// The delay after the `closes`-th 4008 in a row (1 for the first): `rateLimitedBackoff` doubled per further
    /// one and scaled by `jitter` (expected in 1…1.25), capped at `maximumBackoff`, and never below
    /// `rateLimitedBackoff`.
    func rateLimitedDelay(afterCloses closes: Int, jitter: Double) -> Duration {
        var delay = rateLimitedBackoff
        for _ in 1..<max(1, min(closes, 32)) where delay < maximumBackoff { delay *= 2 }
        return max(rateLimitedBackoff, min(delay * jitter, maximumBackoff))
    }
}
