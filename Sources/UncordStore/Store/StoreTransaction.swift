import Foundation
import Synchronization
import UncordCrypto
import UncordRatchet

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

    func localIdentity() throws -> LocalIdentity {
        if let cached = localCache.value { return cached }
        let identity = try readLocalIdentity()
        localCache.value = identity
        return identity
    }

    private func readLocalIdentity() throws -> LocalIdentity {
        guard let row = try db.queryOne("SELECT user_id, device_id, identity_private FROM local_device WHERE id = 1")
        else { throw StoreError.notInitialized }
        let device = try uuid(row.text("device_id"), "local_device.device_id")
        let secret = try sealer.open(
            row.blob("identity_private"), for: .init("local_device", "identity_private", row: device.lowercased))
        return LocalIdentity(
            address: DeviceAddress(user: try uuid(row.text("user_id"), "local_device.user_id"), device: device),
            keyPair: try privateKey(secret, "local_device.identity_private"))
    }

    func pinnedIdentity(for address: DeviceAddress) throws -> PinnedIdentity? {
        guard
            let row = try db.queryOne(
                "SELECT identity_key, trust FROM peer_devices WHERE user_id = ? AND device_id = ?",
                [.text(address.user.lowercased), .text(address.device.lowercased)])
        else { return nil }
        let level: PinnedIdentity.Level
        switch try row.text("trust") {
        case "verified": level = .verified
        case "changed": level = .changed
        default: level = .unverified
        }
        return PinnedIdentity(key: try publicKey(row.blob("identity_key"), "peer_devices.identity_key"), level: level)
    }

    func signedPreKey(id: UInt32) throws -> X25519.PrivateKey? {
        guard
            let row = try db.queryOne(
                "SELECT private_key, retired_at FROM signed_pre_keys WHERE key_id = ?", [.integer(Int64(id))])
        else { return nil }
        if let retired = try row.optionalText("retired_at"), let date = Timestamp.parse(retired),
            now.timeIntervalSince(date) > Self.signedPreKeyGrace
        {
            return nil
        }
        let secret = try sealer.open(
            row.blob("private_key"), for: .init("signed_pre_keys", "private_key", row: "\(id)"))
        return try privateKey(secret, "signed_pre_keys.private_key")
    }

    func oneTimePreKey(id: UInt32) throws -> X25519.PrivateKey? {
        guard
            let row = try db.queryOne(
                "SELECT private_key FROM one_time_pre_keys WHERE key_id = ?", [.integer(Int64(id))])
        else { return nil }
        let secret = try sealer.open(
            row.blob("private_key"), for: .init("one_time_pre_keys", "private_key", row: "\(id)"))
        return try privateKey(secret, "one_time_pre_keys.private_key")
    }

    func sessionRecord(for address: DeviceAddress) throws -> SessionRecord? {
        let rows = try db.query(
            """
            SELECT id, base_key, state, archived_at FROM sessions WHERE peer_user = ? AND peer_device = ?
            ORDER BY position
            """,
            [.text(address.user.lowercased), .text(address.device.lowercased)])
        var sessions: [Session] = []
        let archived = try rows.first?.optionalText("archived_at") != nil
        for row in rows {
            let baseKey = try row.blob("base_key")
            let cellRow = Self.sessionRowKey(address, baseKey: baseKey)
            let state = try sealer.open(row.blob("state"), for: .init("sessions", "state", row: cellRow))
            var skipped: [DoubleRatchet.SkippedKey] = []
            for keyRow in try db.query(
                """
                SELECT ratchet_key, message_number, message_key, eviction_order FROM skipped_message_keys
                WHERE session_id = ? ORDER BY eviction_order
                """, [.integer(try row.integer("id"))])
            {
                let ratchetKey = try keyRow.blob("ratchet_key")
                let number = UInt32(truncatingIfNeeded: try keyRow.integer("message_number"))
                let key = try sealer.open(
                    keyRow.blob("message_key"),
                    for: .init(
                        "skipped_message_keys", "message_key", row: Self.skippedRowKey(cellRow, ratchetKey, number)))
                skipped.append(
                    .init(
                        ratchetKey: try publicKey(ratchetKey, "skipped_message_keys.ratchet_key"),
                        messageNumber: number,
                        key: key, order: UInt64(try keyRow.integer("eviction_order"))))
            }
            do {
                sessions.append(try Session(encodedState: state, skippedKeys: skipped))
            } catch {
                throw StoreError.sealedValueUnreadable(table: "sessions", column: "state")
            }
        }
        guard let active = sessions.first else { return nil }
        return SessionRecord(active: active, previous: Array(sessions.dropFirst()), isArchived: archived)
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
        let stamp = Timestamp.format(now)
        for id in changes.consumedOneTimePreKeys {
            try db.run("DELETE FROM one_time_pre_keys WHERE key_id = ?", [.integer(Int64(id))])
            guard db.changes == 1 else { throw StoreError.constraint("one-time pre-key \(id) was already consumed") }
        }
        for (address, pin) in changes.pinnedIdentities {
            try ensurePeer(address.user)
            let trust: String
            switch pin.level {
            case .unverified: trust = "unverified"
            case .verified: trust = "verified"
            case .changed: trust = "changed"
            }
            try db.run(
                """
                INSERT INTO peer_devices (user_id, device_id, identity_key, trust, first_seen_at, verified_at, changed_at)
                VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?4 = 'verified' THEN ?5 END, CASE WHEN ?4 = 'changed' THEN ?5 END)
                ON CONFLICT (user_id, device_id) DO UPDATE SET
                    identity_key = excluded.identity_key,
                    trust = excluded.trust,
                    verified_at = CASE WHEN excluded.trust = 'verified' THEN ?5 ELSE verified_at END,
                    changed_at = CASE WHEN excluded.trust = 'changed' THEN ?5 ELSE changed_at END
                """,
                [
                    .text(address.user.lowercased), .text(address.device.lowercased), .blob(pin.key.bytes),
                    .text(trust),
                    .text(stamp),
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

    /// Replaces a device's session record, writing only what changed: sessions are matched by their X3DH base
    /// key, skipped keys by (ratchet key, number).
    private func write(_ record: SessionRecord, for address: DeviceAddress, stamp: String) throws {
        let user = SQLiteValue.text(address.user.lowercased)
        let device = SQLiteValue.text(address.device.lowercased)
        var existing: [[UInt8]: Int64] = [:]
        for row in try db.query(
            "SELECT id, base_key FROM sessions WHERE peer_user = ? AND peer_device = ?", [user, device])
        {
            existing[try row.blob("base_key")] = try row.integer("id")
        }
        let kept = Set(record.sessions.map(\.baseKey.bytes))
        for (baseKey, id) in existing where !kept.contains(baseKey) {
            try db.run("DELETE FROM sessions WHERE id = ?", [.integer(id)])
        }
        for (position, session) in record.sessions.enumerated() {
            let baseKey = session.baseKey.bytes
            let cellRow = Self.sessionRowKey(address, baseKey: baseKey)
            let sealed = try sealer.seal(session.encodedState(), for: .init("sessions", "state", row: cellRow))
            // An archived record is marked on its active session; a mark already there keeps its time.
            let archived: SQLiteValue = position == 0 && record.isArchived ? .text(stamp) : .null
            let sessionID: Int64
            if let id = existing[baseKey] {
                try db.run(
                    """
                    UPDATE sessions SET position = ?1, state = ?2,
                        archived_at = CASE WHEN ?3 IS NULL THEN NULL ELSE coalesce(archived_at, ?3) END
                    WHERE id = ?4
                    """, [.integer(Int64(position)), .blob(sealed), archived, .integer(id)])
                sessionID = id
            } else {
                try db.run(
                    """
                    INSERT INTO sessions (peer_user, peer_device, base_key, position, state, created_at, archived_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [user, device, .blob(baseKey), .integer(Int64(position)), .blob(sealed), .text(stamp), archived])
                sessionID = db.lastInsertRowID
            }
            try writeSkippedKeys(session.ratchet.skippedKeys, session: sessionID, cellRow: cellRow, stamp: stamp)
        }
    }

    private func writeSkippedKeys(
        _ keys: [DoubleRatchet.SkippedKey], session: Int64, cellRow: [UInt8], stamp: String
    ) throws {
        struct Index: Hashable {
            var ratchetKey: [UInt8]
            var number: Int64
        }
        var stored = Set<Index>()
        for row in try db.query(
            "SELECT ratchet_key, message_number FROM skipped_message_keys WHERE session_id = ?", [.integer(session)])
        {
            stored.insert(Index(ratchetKey: try row.blob("ratchet_key"), number: try row.integer("message_number")))
        }
        var wanted = Set<Index>()
        for key in keys {
            let index = Index(ratchetKey: key.ratchetKey.bytes, number: Int64(key.messageNumber))
            wanted.insert(index)
            guard !stored.contains(index) else { continue }
            let sealed = try sealer.seal(
                key.key,
                for: .init(
                    "skipped_message_keys", "message_key",
                    row: Self.skippedRowKey(cellRow, key.ratchetKey.bytes, key.messageNumber)))
            try db.run(
                """
                INSERT INTO skipped_message_keys
                    (session_id, ratchet_key, message_number, message_key, eviction_order, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(session), .blob(index.ratchetKey), .integer(index.number), .blob(sealed),
                    .integer(Int64(key.order)), .text(stamp),
                ])
        }
        for index in stored.subtracting(wanted) {
            try db.run(
                "DELETE FROM skipped_message_keys WHERE session_id = ? AND ratchet_key = ? AND message_number = ?",
                [.integer(session), .blob(index.ratchetKey), .integer(index.number)])
        }
    }

    private func ensurePeer(_ user: UUID) throws {
        try db.run("INSERT OR IGNORE INTO peers (user_id) VALUES (?)", [.text(user.lowercased)])
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

/// The store's cached copy of this device's identity, shared by every transaction view of one store.
final class LocalIdentityCache: Sendable {
    private let stored = Mutex<LocalIdentity?>(nil)

    var value: LocalIdentity? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

extension UUID {
    /// The canonical lowercase text every table stores.
    var lowercased: String { uuidString.lowercased() }
}

/// RFC 3339 timestamps as the tables store them.
enum Timestamp {
    /// `2025-06-15T15:06:40.122Z`. (`.iso8601(timeZone:includingFractionalSeconds:)` leaves out the `Z`, and
    /// ``parse(_:)`` then reads nothing back.)
    static func format(_ date: Date) -> String {
        date.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: .iso8601)
    }
}
