import Foundation

/// Development authentication: the bearer token `dev:<user-uuid>` signs in as that user, no questions asked.
enum DevToken {
    /// The user a token names, or `nil` when it is not `dev:<uuid>`.
    static func user(fromToken token: String) -> UUID? {
        guard token.hasPrefix("dev:") else { return nil }
        return UUID(uuidString: String(token.dropFirst(4)))
    }

    /// The user of an `Authorization: Bearer dev:<uuid>` header value, or `nil`.
    static func user(fromAuthorization header: String?) -> UUID? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        return user(fromToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }
}
