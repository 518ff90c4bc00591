import Foundation
internal import UncordCrypto
import UncordProtocol
import UncordSQLite

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
            let opened = try sealer.open(try row.blob("tokens"), for: .serverTokens(user: user))
            guard let tokens = ServerCredentials.decode(opened.withUnsafeBytes { Array($0) }) else {
                throw StoreError.typeMismatch(
                    column: "server_credentials.tokens", expected: "two tokens", found: "other bytes")
            }
            var expiry: Date?
            if let text = try row.optionalText("access_expires_at") {
                guard let date = Timestamp(rfc3339: text)?.date else {
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
                ServerCredentials.encode(credentials.tokens), for: .serverTokens(user: credentials.user))
            try db.run(
                """
                INSERT OR REPLACE INTO server_credentials
                    (id, server_url, email, user_id, tokens, access_expires_at, updated_at)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(credentials.serverURL), .text(credentials.email), .text(credentials.user.lowercased),
                    .blob(sealed),
                    credentials.accessTokenExpiresAt.map { .text(Timestamp($0, precision: .milliseconds).text) }
                        ?? .null,
                    .text(Timestamp(clock(), precision: .milliseconds).text),
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
