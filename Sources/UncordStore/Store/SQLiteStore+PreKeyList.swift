public import Foundation

/// A signed pre-key as `uncord-keys prekeys list` shows it: id, times and whether the server has it; never the
/// private key.
public struct SignedPreKeyInfo: Sendable, Equatable {
    /// The key id.
    public var id: UInt32
    /// When it was made.
    public var createdAt: Date?
    /// When a newer key replaced it; `nil` for the current key. A retired key is kept 30 days for messages in
    /// flight.
    public var retiredAt: Date?
    /// `true` once the server accepted it.
    public var isPublished: Bool

    /// `true` for the key in use.
    public var isCurrent: Bool { retiredAt == nil }
}

/// A one-time pre-key as `uncord-keys prekeys list` shows it: id, state and creation time; never the private key.
public struct OneTimePreKeyInfo: Sendable, Equatable {
    /// Where a one-time pre-key stands.
    public enum State: String, Sendable, Equatable {
        /// Stored, not yet accepted by the server.
        case pending
        /// Accepted by the server and not yet used by a peer.
        case published
    }

    /// The key id.
    public var id: UInt32
    /// Its state.
    public var state: State
    /// When it was made.
    public var createdAt: Date?
}

extension SQLiteStore {
    /// The signed pre-keys kept: the current one first, then the retired ones, newest first.
    public func signedPreKeyList() throws -> [SignedPreKeyInfo] {
        try connection.read { db in
            try db.query(
                """
                SELECT key_id, created_at, retired_at, published FROM signed_pre_keys
                ORDER BY retired_at IS NOT NULL, key_id DESC
                """
            ).map { row in
                SignedPreKeyInfo(
                    id: UInt32(truncatingIfNeeded: try row.integer("key_id")),
                    createdAt: Timestamp.parse(try row.text("created_at")),
                    retiredAt: try row.optionalText("retired_at").flatMap(Timestamp.parse),
                    isPublished: try row.integer("published") != 0)
            }
        }
    }

    /// The unused one-time pre-keys, in id order.
    public func oneTimePreKeyList() throws -> [OneTimePreKeyInfo] {
        try connection.read { db in
            try db.query("SELECT key_id, state, created_at FROM one_time_pre_keys ORDER BY key_id").map { row in
                OneTimePreKeyInfo(
                    id: UInt32(truncatingIfNeeded: try row.integer("key_id")),
                    state: try row.text("state") == "published" ? .published : .pending,
                    createdAt: Timestamp.parse(try row.text("created_at")))
            }
        }
    }
}
