public import Foundation
public import UncordProtocol

/// The account this device is signed in as on its server, with the current pair of tokens (`uncord-keys login`).
///
/// The tokens are credentials: they are sealed in the store like every secret, and ``description`` leaves them out.
public struct ServerCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The server's root URL, as the login was given it (`https://chat.example.org`).
    public var serverURL: String
    /// The email address signed in with.
    public var email: String
    /// The account the server signed in; the store's own user.
    public var user: UUID
    /// The current access token and the refresh token that replaces it.
    public var tokens: AuthTokens
    /// When the access token expires, when it says (a JWT's `exp`); `nil` when it does not.
    public var accessTokenExpiresAt: Date?

    /// Credentials for `user` on `serverURL`.
    public init(serverURL: String, email: String, user: UUID, tokens: AuthTokens, accessTokenExpiresAt: Date?) {
        self.serverURL = serverURL
        self.email = email
        self.user = user
        self.tokens = tokens
        self.accessTokenExpiresAt = accessTokenExpiresAt
    }

    /// The account and server, never a token.
    public var description: String {
        "ServerCredentials(\(email) as \(user.lowercased) on \(serverURL))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// The sealed form of a pair: each token's length (4 bytes, big-endian), then its UTF-8 bytes.
    static func encode(_ tokens: AuthTokens) -> [UInt8] {
        var bytes: [UInt8] = []
        for token in [tokens.accessToken, tokens.refreshToken] {
            let utf8 = Array(token.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes += $0 }
            bytes += utf8
        }
        return bytes
    }

    /// The pair of ``encode(_:)``; `nil` when the bytes are not one.
    static func decode(_ bytes: [UInt8]) -> AuthTokens? {
        var rest = bytes[...]
        var tokens: [String] = []
        for _ in 0..<2 {
            guard rest.count >= 4 else { return nil }
            let count = rest.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            rest = rest.dropFirst(4)
            guard rest.count >= count, let token = String(validating: rest.prefix(count), as: UTF8.self),
                !token.isEmpty
            else { return nil }
            tokens.append(token)
            rest = rest.dropFirst(count)
        }
        guard rest.isEmpty else { return nil }
        return AuthTokens(accessToken: tokens[0], refreshToken: tokens[1])
    }
}
