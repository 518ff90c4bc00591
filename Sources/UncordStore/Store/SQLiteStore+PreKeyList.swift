import Foundation
import UncordSQLite

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
                    id: try view(db).unsigned32(row.integer("key_id"), "signed_pre_keys.key_id"),
                    createdAt: try view(db).timestamp(row.text("created_at"), "signed_pre_keys.created_at"),
                    retiredAt: try row.optionalText("retired_at").map {
                        try view(db).timestamp($0, "signed_pre_keys.retired_at")
                    },
                    isPublished: try row.integer("published") != 0)
            }
        }
    }

    /// The unused one-time pre-keys, in id order.
    public func oneTimePreKeyList() throws -> [OneTimePreKeyInfo] {
        try connection.read { db in
            try db.query("SELECT key_id, state, created_at FROM one_time_pre_keys ORDER BY key_id").map { row in
                OneTimePreKeyInfo(
                    id: try view(db).unsigned32(row.integer("key_id"), "one_time_pre_keys.key_id"),
                    state: try row.text("state") == "published" ? .published : .pending,
                    createdAt: try view(db).timestamp(row.text("created_at"), "one_time_pre_keys.created_at"))
            }
        }
    }
}
