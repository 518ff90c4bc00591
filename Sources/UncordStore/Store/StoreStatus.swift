public import Foundation

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
