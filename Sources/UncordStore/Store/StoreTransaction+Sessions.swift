import Foundation
import UncordCrypto
import UncordRatchet
import UncordSQLite

// Session records: read whole (the public read), or for one step without their skipped keys (a send loads none,
// a receive only the one its header names), and written back with only what changed.
extension StoreTransaction {
    func sessionRecord(for address: DeviceAddress) throws -> SessionRecord? {
        try readRecord(for: address, step: nil)
    }

    func sessionRecord(for address: DeviceAddress, step: SessionStep) throws -> SessionRecord? {
        try readRecord(for: address, step: step)
    }

    /// The record of a device; with a `step`, each session is loaded for that step alone (a session saved before
    /// ratchet state version 2 is loaded whole).
    private func readRecord(for address: DeviceAddress, step: SessionStep?) throws -> SessionRecord? {
        let rows = try db.query(
            """
            SELECT id, base_key, state, archived_at FROM sessions WHERE peer_user = ? AND peer_device = ?
            ORDER BY position
            """,
            [.text(address.user.lowercased), .text(address.device.lowercased)])
        var sessions: [Session] = []
        let archived = try rows.first?.optionalText("archived_at") != nil
        for row in rows {
            let id = try row.integer("id")
            let cellRow = Self.sessionRowKey(address, baseKey: try row.blob("base_key"))
            let state = try sealer.open(row.blob("state"), for: .sessionState(sessionRow: cellRow))
            do {
                if let step, let session = try sessionForStep(step, state: state, id: id, cellRow: cellRow) {
                    sessions.append(session)
                } else {
                    let skipped = try skippedKeys(of: id, cellRow: cellRow)
                    sessions.append(try Session(encodedState: state, skippedKeys: skipped))
                }
            } catch is RatchetError {
                throw StoreError.sealedValueUnreadable(table: "sessions", column: "state")
            }
        }
        guard let active = sessions.first else { return nil }
        return SessionRecord(active: active, previous: Array(sessions.dropFirst()), isArchived: archived)
    }

    /// A session for one step: for a receive, with the one skipped key its header names if it is stored.
    private func sessionForStep(_ step: SessionStep, state: SecureBytes, id: Int64, cellRow: [UInt8]) throws
        -> Session?
    {
        guard case .receive(let header) = step else {
            return try Session(encodedState: state, probing: nil, probeKey: nil)
        }
        let ratchetKey = header.ratchetKey.bytes
        let number = header.messageNumber
        let sealed = try db.queryOne(
            """
            SELECT message_key FROM skipped_message_keys
            WHERE session_id = ? AND ratchet_key = ? AND message_number = ?
            """, [.integer(id), .blob(ratchetKey), .integer(Int64(number))])
        let key = try sealed.map {
            try sealer.open(
                $0.blob("message_key"),
                for: .skippedMessageKey(sessionRow: cellRow, ratchetKey: ratchetKey, number: number))
        }
        return try Session(encodedState: state, probing: (header.ratchetKey, number), probeKey: key)
    }

    /// Every skipped key of a session, oldest first.
    private func skippedKeys(of session: Int64, cellRow: [UInt8]) throws -> [DoubleRatchet.SkippedKey] {
        try db.query(
            """
            SELECT ratchet_key, message_number, message_key, eviction_order FROM skipped_message_keys
            WHERE session_id = ? ORDER BY eviction_order
            """, [.integer(session)]
        ).map { keyRow in
            let ratchetKey = try keyRow.blob("ratchet_key")
            let number = try unsigned32(keyRow.integer("message_number"), "skipped_message_keys.message_number")
            let key = try sealer.open(
                keyRow.blob("message_key"),
                for: .skippedMessageKey(sessionRow: cellRow, ratchetKey: ratchetKey, number: number))
            return DoubleRatchet.SkippedKey(
                ratchetKey: try publicKey(ratchetKey, "skipped_message_keys.ratchet_key"), messageNumber: number,
                key: key, order: try unsigned64(keyRow.integer("eviction_order"), "skipped_message_keys.eviction_order")
            )
        }
    }

    /// Replaces a device's session record, writing only what changed: sessions are matched by their X3DH base
    /// key, skipped keys by (ratchet key, number).
    func write(_ record: SessionRecord, for address: DeviceAddress, stamp: String) throws {
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
            let sealed = try sealer.seal(session.encodedState(), for: .sessionState(sessionRow: cellRow))
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
            if let changes = session.ratchet.storedSkippedKeyChanges {
                try applySkippedKeyChanges(changes, session: sessionID, cellRow: cellRow, stamp: stamp)
            } else {
                try writeSkippedKeys(session.ratchet.skippedKeys, session: sessionID, cellRow: cellRow, stamp: stamp)
            }
        }
    }

    /// The changes of a session loaded for one step: the used key deleted, the oldest rows evicted (through the
    /// `skipped_message_keys_by_age` index), the new keys inserted.
    private func applySkippedKeyChanges(
        _ changes: DoubleRatchet.StoredSkippedKeyChanges, session: Int64, cellRow: [UInt8], stamp: String
    ) throws {
        if let removed = changes.removed {
            try db.run(
                "DELETE FROM skipped_message_keys WHERE session_id = ? AND ratchet_key = ? AND message_number = ?",
                [.integer(session), .blob(removed.ratchetKey.bytes), .integer(Int64(removed.messageNumber))])
        }
        if changes.evictOldest > 0 {
            try db.run(
                """
                DELETE FROM skipped_message_keys WHERE session_id = ?1 AND eviction_order IN (
                    SELECT eviction_order FROM skipped_message_keys WHERE session_id = ?1
                    ORDER BY eviction_order LIMIT ?2)
                """, [.integer(session), .integer(Int64(changes.evictOldest))])
        }
        for key in changes.inserted {
            try insertSkippedKey(key, session: session, cellRow: cellRow, stamp: stamp)
        }
    }

    /// The skipped keys of a session that holds all of them: compared with the stored rows, the missing ones
    /// inserted and the others deleted.
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
            try insertSkippedKey(key, session: session, cellRow: cellRow, stamp: stamp)
        }
        for index in stored.subtracting(wanted) {
            try db.run(
                "DELETE FROM skipped_message_keys WHERE session_id = ? AND ratchet_key = ? AND message_number = ?",
                [.integer(session), .blob(index.ratchetKey), .integer(index.number)])
        }
    }

    private func insertSkippedKey(
        _ key: DoubleRatchet.SkippedKey, session: Int64, cellRow: [UInt8], stamp: String
    ) throws {
        let ratchetKey = key.ratchetKey.bytes
        let sealed = try sealer.seal(
            key.key,
            for: .skippedMessageKey(sessionRow: cellRow, ratchetKey: ratchetKey, number: key.messageNumber))
        try db.run(
            """
            INSERT INTO skipped_message_keys
                (session_id, ratchet_key, message_number, message_key, eviction_order, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(session), .blob(ratchetKey), .integer(Int64(key.messageNumber)), .blob(sealed),
                .integer(Int64(key.order)), .text(stamp),
            ])
    }
}
