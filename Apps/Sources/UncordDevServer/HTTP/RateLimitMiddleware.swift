import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The real server's HTTP rate limit (60 requests a minute per address, then 429 with `Retry-After`), over a
/// sliding one-minute window. The development server listens on loopback, where every client shares one address,
/// so the window is the server's.
actor RequestRateLimiter {
    private let perMinute: Int
    private var admitted: [ContinuousClock.Instant] = []

    init(perMinute: Int) { self.perMinute = perMinute }

    /// Admits a request now, or answers how long until one would be admitted.
    func admit(now: ContinuousClock.Instant = .now) -> Duration? {
        guard perMinute > 0 else { return nil }
        let window = Duration.seconds(60)
        admitted.removeAll { now - $0 >= window }
        guard admitted.count >= perMinute, let oldest = admitted.first else {
            admitted.append(now)
            return nil
        }
        return window - (now - oldest)
    }
}

/// Answers 429 `RATE_LIMITED` with `Retry-After` (whole seconds, rounded up) once the limit is reached. Every request
/// counts, the gateway's upgrade included, as on the real server (which limits the gateway's messages separately).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = DevContext
    let limiter: RequestRateLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let wait = await limiter.admit() else { return try await next(request, context) }
        let seconds = max(
            1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
        var response = DevServer.errorResponse(.rateLimited("too many requests: retry in \(seconds) s"))
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }
}
