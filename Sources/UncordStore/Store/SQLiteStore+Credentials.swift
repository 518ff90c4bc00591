public import Foundation
internal import UncordCrypto
public import UncordProtocol
import UncordSQLite

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

    /// The sealed cell of the tokens: bound to the account they sign in.
    static func cell(user: UUID) -> Sealer.Cell {
        Sealer.Cell("server_credentials", "tokens", row: user.lowercased)
    }

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

extension SQLiteStore {
    /// The account this device is signed in as, or `nil` when it has not signed in (or a backup was restored).
    /// - Throws: ``StoreError/sealedValueUnreadable(table:column:)`` for tokens that do not open;
    ///   ``StoreError/typeMismatch(column:expected:found:)`` for a damaged row.
    public func serverCredentials() throws -> ServerCredentials? {
        try connection.read { db in
            guard
                let row = try db.queryOne(
                    """
                    SELECT server_url, email, user_id, tokens, access_expires_at
                    FROM server_credentials WHERE id = 1
                    """)
            else { return nil }
            let view = view(db)
            let user = try view.uuid(row.text("user_id"), "server_credentials.user_id")
            let opened = try sealer.open(try row.blob("tokens"), for: ServerCredentials.cell(user: user))
            guard let tokens = ServerCredentials.decode(opened.withUnsafeBytes { Array($0) }) else {
                throw StoreError.typeMismatch(
                    column: "server_credentials.tokens", expected: "two tokens", found: "other bytes")
            }
            var expiry: Date?
            if let text = try row.optionalText("access_expires_at") {
                guard let date = Timestamp.parse(text) else {
                    throw StoreError.typeMismatch(
                        column: "server_credentials.access_expires_at", expected: "an RFC 3339 time",
                        found: "other text")
                }
                expiry = date
            }
            return ServerCredentials(
                serverURL: try row.text("server_url"), email: try row.text("email"), user: user, tokens: tokens,
                accessTokenExpiresAt: expiry)
        }
    }

    /// Stores the account and tokens this device signs in with, replacing any before; durable when it returns, so a
    /// rotated refresh token is kept before it is used.
    /// - Throws: ``StoreError/invalidKey(_:)`` when `credentials.user` is not this device's user; store errors.
    public func saveServerCredentials(_ credentials: ServerCredentials) throws {
        try connection.write { db in
            guard let local = try db.queryOne("SELECT user_id FROM local_device WHERE id = 1") else {
                throw StoreError.notInitialized
            }
            guard try view(db).uuid(local.text("user_id"), "local_device.user_id") == credentials.user else {
                throw StoreError.invalidKey(
                    "the server signed in user \(credentials.user.lowercased), but this store is another user's")
            }
            let sealed = try sealer.seal(
                ServerCredentials.encode(credentials.tokens), for: ServerCredentials.cell(user: credentials.user))
            try db.run(
                """
                INSERT OR REPLACE INTO server_credentials
                    (id, server_url, email, user_id, tokens, access_expires_at, updated_at)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(credentials.serverURL), .text(credentials.email), .text(credentials.user.lowercased),
                    .blob(sealed), credentials.accessTokenExpiresAt.map { .text(Timestamp.format($0)) } ?? .null,
                    .text(Timestamp.format(clock())),
                ])
        }
    }

    /// Forgets the account and tokens (signing out locally).
    /// - Returns: whether there were any.
    @discardableResult
    public func deleteServerCredentials() throws -> Bool {
        try connection.write { db in
            try db.run("DELETE FROM server_credentials")
            return db.changes > 0
        }
    }
}
