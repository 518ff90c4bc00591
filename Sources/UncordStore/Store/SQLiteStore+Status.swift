import Foundation
import UncordCrypto
import UncordRatchet
import UncordSQLite

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
