import Foundation
import Synchronization
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordSQLite

/// The store as seen from inside one write transaction: the sessions layer reads through it, and its
/// ``commit(_:)`` writes into the same transaction, so a whole protocol step commits or rolls back as one.
struct StoreTransaction: RatchetStore {
    let db: SQLiteConnection
    let sealer: Sealer
    let now: Date
    /// This device's identity once read: it never changes while a store is open, and deriving its public key
    /// costs a scalar multiplication.
    let localCache: LocalIdentityCache

    /// The signed pre-key grace period after retirement (PROTOCOL.md section 7).
    static let signedPreKeyGrace: TimeInterval = 30 * 24 * 3600

    // MARK: Reads

    /// This device's identity: cached between transactions, and read again when another connection (another process
    /// sharing the store) has committed since it was cached — it may have rotated the key.
    func localIdentity() throws -> LocalIdentity {
        let version = try db.dataVersion
        if let cached = localCache.value(at: version) { return cached }
        let identity = try readLocalIdentity()
        localCache.store(identity, at: version)
        return identity
    }

    private func readLocalIdentity() throws -> LocalIdentity {
        guard let row = try db.queryOne("SELECT user_id, device_id, identity_private FROM local_device WHERE id = 1")
        else { throw StoreError.notInitialized }
        let device = try uuid(row.text("device_id"), "local_device.device_id")
        let secret = try sealer.open(
            row.blob("identity_private"), for: .identityPrivate(device: device))
        return LocalIdentity(
            address: DeviceAddress(user: try uuid(row.text("user_id"), "local_device.user_id"), device: device),
            keyPair: try privateKey(secret, "local_device.identity_private"))
    }

    /// The key pinned for the device's user (LINKED_DEVICES.md A3: pins belong to users, and every device of the
    /// user holds the one account key); for this user's own devices, this device's own identity key.
    func pinnedIdentity(for address: DeviceAddress) throws -> PinnedIdentity? {
        let local = try localIdentity()
        if address.user == local.address.user { return PinnedIdentity(key: local.keyPair.publicKey, level: .verified) }
        guard
            let row = try db.queryOne(
                "SELECT identity_key, trust FROM peer_identities WHERE user_id = ?", [.text(address.user.lowercased)])
        else { return nil }
        return PinnedIdentity(
            key: try publicKey(row.blob("identity_key"), "peer_identities.identity_key"),
            level: try trustLevel(row.text("trust"), "peer_identities.trust"))
    }

    func acceptedSession(baseKey: X25519.PublicKey, from address: DeviceAddress) throws -> Bool {
        try db.queryOne(
            "SELECT 1 FROM accepted_base_keys WHERE peer_user = ? AND peer_device = ? AND base_key = ?",
            [.text(address.user.lowercased), .text(address.device.lowercased), .blob(baseKey.bytes)]) != nil
    }

    func signedPreKey(id: UInt32) throws -> X25519.PrivateKey? {
        guard
            let row = try db.queryOne(
                "SELECT private_key, retired_at FROM signed_pre_keys WHERE key_id = ?", [.integer(Int64(id))])
        else { return nil }
        if let retired = try row.optionalText("retired_at"),
            now.timeIntervalSince(try timestamp(retired, "signed_pre_keys.retired_at")) > Self.signedPreKeyGrace
        {
            return nil
        }
        let secret = try sealer.open(
            row.blob("private_key"), for: .signedPreKey(id: id))
        return try privateKey(secret, "signed_pre_keys.private_key")
    }

    func oneTimePreKey(id: UInt32) throws -> X25519.PrivateKey? {
        guard
            let row = try db.queryOne(
                "SELECT private_key FROM one_time_pre_keys WHERE key_id = ?", [.integer(Int64(id))])
        else { return nil }
        let secret = try sealer.open(
            row.blob("private_key"), for: .oneTimePreKey(id: id))
        return try privateKey(secret, "one_time_pre_keys.private_key")
    }

    func devices(of user: UUID) throws -> [UUID]? {
        guard
            let peer = try db.queryOne(
                "SELECT devices_fetched_at FROM peers WHERE user_id = ?", [.text(user.lowercased)]),
            try peer.optionalText("devices_fetched_at") != nil
        else { return nil }
        return try db.query(
            "SELECT device_id FROM peer_device_lists WHERE user_id = ? ORDER BY device_id", [.text(user.lowercased)]
        ).map { try uuid($0.text("device_id"), "peer_device_lists.device_id") }
    }

    // MARK: Writes

    func commit(_ changes: StoreChangeSet) throws {
        let stamp = Timestamp(now, precision: .milliseconds).text
        for id in changes.consumedOneTimePreKeys {
            try db.run("DELETE FROM one_time_pre_keys WHERE key_id = ?", [.integer(Int64(id))])
            guard db.changes == 1 else { throw StoreError.constraint("one-time pre-key \(id) was already consumed") }
        }
        let ownUser = try localIdentity().address.user
        for (address, pin) in changes.pinnedIdentities where address.user != ownUser {
            try ensurePeer(address.user)
            try upsertPin(pin.key, of: address.user, trust: pin.level, sendBlocked: nil, stamp: stamp)
        }
        for accepted in changes.acceptedBaseKeys {
            try db.run(
                """
                INSERT OR IGNORE INTO accepted_base_keys
                    (peer_user, peer_device, base_key, signed_pre_key_id, accepted_at) VALUES (?, ?, ?, ?, ?)
                """,
                [
                    .text(accepted.address.user.lowercased), .text(accepted.address.device.lowercased),
                    .blob(accepted.baseKey.bytes), .integer(Int64(accepted.signedPreKeyID)), .text(stamp),
                ])
        }
        for (user, devices) in changes.deviceLists {
            try ensurePeer(user)
            try db.run(
                "UPDATE peers SET devices_fetched_at = ? WHERE user_id = ?", [.text(stamp), .text(user.lowercased)])
            try db.run("DELETE FROM peer_device_lists WHERE user_id = ?", [.text(user.lowercased)])
            for device in devices {
                try db.run(
                    "INSERT OR IGNORE INTO peer_device_lists (user_id, device_id) VALUES (?, ?)",
                    [.text(user.lowercased), .text(device.lowercased)])
            }
        }
        for (address, record) in changes.sessionRecords {
            try write(record, for: address, stamp: stamp)
        }
    }

    func ensurePeer(_ user: UUID) throws {
        try db.run("INSERT OR IGNORE INTO peers (user_id) VALUES (?)", [.text(user.lowercased)])
    }

    /// Pins `key` for `user` with `trust`, replacing any earlier pin and clearing a pending change; `sendBlocked`
    /// `nil` keeps the block as it is. The one upsert of a pin.
    func upsertPin(
        _ key: X25519.PublicKey, of user: UUID, trust: PinnedIdentity.Level, sendBlocked: Bool?, stamp: String
    ) throws {
        try db.run(
            """
            INSERT INTO peer_identities
                (user_id, identity_key, trust, send_blocked, first_seen_at, verified_at, changed_at)
            VALUES (?1, ?2, ?3, coalesce(?5, 0), ?4, CASE WHEN ?3 = 'verified' THEN ?4 END,
                CASE WHEN ?3 = 'changed' THEN ?4 END)
            ON CONFLICT (user_id) DO UPDATE SET
                identity_key = excluded.identity_key,
                trust = excluded.trust,
                send_blocked = coalesce(?5, send_blocked),
                pending_key = NULL,
                verified_at = CASE WHEN excluded.trust = 'verified' THEN ?4 ELSE verified_at END,
                changed_at = CASE WHEN excluded.trust = 'changed' THEN ?4 ELSE changed_at END
            """,
            [
                .text(user.lowercased), .blob(key.bytes), .text(trust.rawValue), .text(stamp),
                sendBlocked.map { .integer($0 ? 1 : 0) } ?? .null,
            ])
    }

    /// Sets the trust of `user`'s pin and whether sending to the user is blocked, recording the time of a
    /// `verified`; the key and any pending change stay as they are. The one update of a pin's trust.
    /// - Returns: `false` when no key is pinned for `user` (nothing changed).
    func updateTrust(_ trust: PinnedIdentity.Level, sendBlocked: Bool, of user: UUID, stamp: String) throws -> Bool {
        try db.run(
            """
            UPDATE peer_identities SET trust = ?1, send_blocked = ?2,
                verified_at = CASE WHEN ?1 = 'verified' THEN ?3 ELSE verified_at END
            WHERE user_id = ?4
            """, [.text(trust.rawValue), .integer(sendBlocked ? 1 : 0), .text(stamp), .text(user.lowercased)])
        return db.changes == 1
    }

    // MARK: Row keys and conversions

    static func sessionRowKey(_ address: DeviceAddress, baseKey: [UInt8]) -> [UInt8] {
        Array("\(address.user.lowercased)/\(address.device.lowercased)/".utf8) + baseKey
    }

    static func skippedRowKey(_ sessionRow: [UInt8], _ ratchetKey: [UInt8], _ number: UInt32) -> [UInt8] {
        sessionRow + ratchetKey + withUnsafeBytes(of: number.bigEndian) { Array($0) }
    }

    func uuid(_ text: String, _ column: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw StoreError.typeMismatch(column: column, expected: "UUID", found: "text")
        }
        return id
    }

    /// A stored integer that must fit a `UInt32` (key ids, message numbers): anything else throws, never traps.
    func unsigned32(_ value: Int64, _ column: String) throws -> UInt32 {
        guard let converted = UInt32(exactly: value) else {
            throw StoreError.typeMismatch(column: column, expected: "an integer in 0...2^32-1", found: "\(value)")
        }
        return converted
    }

    /// A stored integer that must not be negative.
    func unsigned64(_ value: Int64, _ column: String) throws -> UInt64 {
        guard let converted = UInt64(exactly: value) else {
            throw StoreError.typeMismatch(column: column, expected: "a non-negative integer", found: "\(value)")
        }
        return converted
    }

    func trustLevel(_ text: String, _ column: String) throws -> PinnedIdentity.Level {
        guard let level = PinnedIdentity.Level(rawValue: text) else {
            throw StoreError.typeMismatch(column: column, expected: "a trust level", found: "other text")
        }
        return level
    }

    func publicKey(_ bytes: [UInt8], _ column: String) throws -> X25519.PublicKey {
        do { return try X25519.PublicKey(bytes: bytes) } catch {
            throw StoreError.typeMismatch(column: column, expected: "32-byte key", found: "\(bytes.count) bytes")
        }
    }

    func privateKey(_ secret: SecureBytes, _ column: String) throws -> X25519.PrivateKey {
        do { return try X25519.PrivateKey(secret: secret) } catch {
            throw StoreError.typeMismatch(column: column, expected: "32-byte key", found: "\(secret.count) bytes")
        }
    }
}

/// The store's cached copy of this device's identity, shared by every transaction view of one store, with the
/// connection's `PRAGMA data_version` when it was read: a copy read before another connection committed is not used.
final class LocalIdentityCache: Sendable {
    private let stored = Mutex<(identity: LocalIdentity, version: Int64)?>(nil)

    /// The cached identity when it was read at data version `version`.
    func value(at version: Int64) -> LocalIdentity? {
        stored.withLock { entry in entry.flatMap { $0.version == version ? $0.identity : nil } }
    }

    /// Caches `identity`, read at data version `version`.
    func store(_ identity: LocalIdentity, at version: Int64) {
        stored.withLock { $0 = (identity, version) }
    }

    /// Forgets the copy (an own rotation; a test that rewrote the row).
    func forget() {
        stored.withLock { $0 = nil }
    }
}

extension UUID {
    /// The canonical lowercase text every table stores (``'s wire text).
    var lowercased: String { wireText }
}
