import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Makes a new signed pre-key with the next id and retires the current one (its private key is kept for the
    /// 30-day grace period). Returns the new key for upload.
    @discardableResult
    public func rotateSignedPreKey() throws -> SignedPreKeyRecord {
        try connection.write { db in try addSignedPreKey(db) }
    }

    /// Makes `count` one-time pre-keys with fresh ids (never reused), stored as `pending` until
    /// ``markPublished(oneTimePreKeys:)``.
    public func generateOneTimePreKeys(count: Int) throws -> [PublishedPreKey] {
        try connection.write { db in try addOneTimePreKeys(db, count: count) }
    }

    /// Marks one-time pre-keys as accepted by the server (after its 204).
    public func markPublished(oneTimePreKeys ids: [UInt32]) throws {
        try connection.write { db in
            for id in ids {
                try db.run("UPDATE one_time_pre_keys SET state = 'published' WHERE key_id = ?", [.integer(Int64(id))])
            }
        }
    }

    /// The one-time pre-keys still waiting for upload, oldest first (a failed upload is retried with these).
    public func pendingOneTimePreKeys() throws -> [PublishedPreKey] {
        try connection.read { db in
            try db.query("SELECT key_id, public_key FROM one_time_pre_keys WHERE state = 'pending' ORDER BY key_id").map
            {
                PublishedPreKey(
                    id: try view(db).unsigned32($0.integer("key_id"), "one_time_pre_keys.key_id"),
                    publicKey: try view(db).publicKey($0.blob("public_key"), "one_time_pre_keys.public_key"))
            }
        }
    }

    /// The current signed pre-key.
    public func currentSignedPreKey() throws -> SignedPreKeyRecord {
        try connection.read { db in
            guard
                let row = try db.queryOne(
                    """
                    SELECT key_id, public_key, signature, created_at FROM signed_pre_keys
                    WHERE retired_at IS NULL ORDER BY key_id DESC LIMIT 1
                    """)
            else { throw StoreError.notInitialized }
            return SignedPreKeyRecord(
                id: try view(db).unsigned32(row.integer("key_id"), "signed_pre_keys.key_id"),
                publicKey: try view(db).publicKey(row.blob("public_key"), "signed_pre_keys.public_key"),
                signature: try row.blob("signature"),
                createdAt: try view(db).timestamp(row.text("created_at"), "signed_pre_keys.created_at"))
        }
    }

    /// Deletes retired signed pre-keys whose grace period is over.
    public func deleteExpiredSignedPreKeys() throws {
        let cutoff = Timestamp(now.addingTimeInterval(-StoreTransaction.signedPreKeyGrace), precision: .milliseconds)
            .text
        try connection.write { db in
            try db.run(
                """
                DELETE FROM accepted_base_keys WHERE signed_pre_key_id IN
                    (SELECT key_id FROM signed_pre_keys WHERE retired_at IS NOT NULL AND retired_at < ?)
                """, [.text(cutoff)])
            try db.run("DELETE FROM signed_pre_keys WHERE retired_at IS NOT NULL AND retired_at < ?", [.text(cutoff)])
        }
    }

    func addSignedPreKey(_ db: SQLiteConnection) throws -> SignedPreKeyRecord {
        let local = try view(db).localIdentity()
        let id = try nextKeyID(db, counter: "next_signed_pre_key_id")
        let key = X25519.PrivateKey.generate(using: random)
        let signature = try SignedPreKeySignature.sign(
            deviceID: local.address.device, keyID: id, signedPreKey: key.publicKey, identityKey: local.keyPair,
            using: random)
        let stamp = Timestamp(now, precision: .milliseconds).text
        try db.run("UPDATE signed_pre_keys SET retired_at = ? WHERE retired_at IS NULL", [.text(stamp)])
        let sealed = try sealer.seal(key.secret, for: .signedPreKey(id: id))
        try db.run(
            """
            INSERT INTO signed_pre_keys (key_id, public_key, private_key, signature, created_at)
            VALUES (?, ?, ?, ?, ?)
            """, [.integer(Int64(id)), .blob(key.publicKey.bytes), .blob(sealed), .blob(signature), .text(stamp)])
        return SignedPreKeyRecord(id: id, publicKey: key.publicKey, signature: signature, createdAt: now)
    }

    func addOneTimePreKeys(_ db: SQLiteConnection, count: Int) throws -> [PublishedPreKey] {
        guard (0...10_000).contains(count) else { throw StoreError.misuse("one-time pre-key count \(count)") }
        let stamp = Timestamp(now, precision: .milliseconds).text
        var made: [PublishedPreKey] = []
        for _ in 0..<count {
            let id = try nextKeyID(db, counter: "next_one_time_pre_key_id")
            let key = X25519.PrivateKey.generate(using: random)
            let sealed = try sealer.seal(key.secret, for: .oneTimePreKey(id: id))
            try db.run(
                """
                INSERT INTO one_time_pre_keys (key_id, public_key, private_key, state, created_at)
                VALUES (?, ?, ?, 'pending', ?)
                """, [.integer(Int64(id)), .blob(key.publicKey.bytes), .blob(sealed), .text(stamp)])
            made.append(PublishedPreKey(id: id, publicKey: key.publicKey))
        }
        return made
    }

    /// The next id of an increasing counter in the metadata: ids are never reused, even after deletion.
    private func nextKeyID(_ db: SQLiteConnection, counter: String) throws -> UInt32 {
        let next = try Self.metadata(db, counter)?.integer(0) ?? 1
        guard let id = UInt32(exactly: next), SignedPreKeySignature.validKeyIDs.contains(id) else {
            throw StoreError.misuse("the \(counter) key ids are exhausted")
        }
        try Self.setMetadata(db, counter, .integer(next + 1))
        return id
    }
}
