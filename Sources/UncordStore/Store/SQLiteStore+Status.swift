public import Foundation
import UncordCrypto
import UncordRatchet
import UncordSQLite

/// What `uncord-keys status` shows: identifiers, public keys and counts, never a secret.
public struct StoreStatus: Sendable, Equatable, Codable {
    /// The signed pre-key's id and creation time.
    public struct SignedPreKeyStatus: Sendable, Equatable, Codable {
        /// The key id.
        public var id: UInt32
        /// When it was made, RFC 3339.
        public var createdAt: String

        enum CodingKeys: String, CodingKey {
            case id
            case createdAt = "created_at"
        }
    }

    /// One-time pre-keys by state.
    public struct OneTimePreKeyCounts: Sendable, Equatable, Codable {
        /// Stored but not yet accepted by the server.
        public var pending: Int
        /// Accepted by the server and not yet used.
        public var published: Int
    }

    /// This device's user.
    public var userID: UUID
    /// This device.
    public var deviceID: UUID
    /// The identity public key, unpadded base64.
    public var identityKey: String
    /// The current signed pre-key.
    public var signedPreKey: SignedPreKeyStatus
    /// One-time pre-keys by state.
    public var oneTimePreKeys: OneTimePreKeyCounts
    /// Other users with a pinned device or a cached device list (this device's own user is not counted).
    public var peers: Int
    /// Stored sessions, earlier ones included.
    public var sessions: Int
    /// Sends the server has not acknowledged.
    public var outbox: Int
    /// The schema version (`PRAGMA user_version`).
    public var schemaVersion: Int

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", deviceID = "device_id", identityKey = "identity_key", signedPreKey = "signed_pre_key"
        case oneTimePreKeys = "one_time_pre_keys", peers, sessions, outbox, schemaVersion = "schema_version"
    }
}

extension SQLiteStore {
    /// The store's identifiers, public keys and counts.
    public func status() throws -> StoreStatus {
        try connection.read { db in
            guard
                let device = try db.queryOne(
                    "SELECT user_id, device_id, identity_public FROM local_device WHERE id = 1")
            else { throw StoreError.notInitialized }
            guard
                let spk = try db.queryOne(
                    "SELECT key_id, created_at FROM signed_pre_keys WHERE retired_at IS NULL ORDER BY key_id DESC LIMIT 1"
                )
            else { throw StoreError.notInitialized }
            func count(_ sql: String) throws -> Int { Int(try db.queryOne(sql)?.integer(0) ?? 0) }
            let transaction = view(db)
            return StoreStatus(
                userID: try transaction.uuid(device.text("user_id"), "local_device.user_id"),
                deviceID: try transaction.uuid(device.text("device_id"), "local_device.device_id"),
                identityKey: Base64.encode(try device.blob("identity_public")),
                signedPreKey: .init(
                    id: UInt32(truncatingIfNeeded: try spk.integer("key_id")), createdAt: try spk.text("created_at")),
                oneTimePreKeys: .init(
                    pending: try count("SELECT count(*) FROM one_time_pre_keys WHERE state = 'pending'"),
                    published: try count("SELECT count(*) FROM one_time_pre_keys WHERE state = 'published'")),
                peers: try count(
                    "SELECT count(*) FROM peers WHERE user_id != (SELECT user_id FROM local_device WHERE id = 1)"),
                sessions: try count("SELECT count(*) FROM sessions"),
                outbox: try count("SELECT count(*) FROM outbox"),
                schemaVersion: try db.userVersion)
        }
    }
}
