import Foundation

/// Development authentication: the bearer token `dev:<user-uuid>` signs in as that user, no questions asked.
enum DevToken {
    /// The user a token names, or `nil` when it is not `dev:<uuid>`.
    static func user(fromToken token: String) -> UUID? {
        guard token.hasPrefix("dev:") else { return nil }
        return UUID(uuidString: String(token.dropFirst(4)))
    }
}
