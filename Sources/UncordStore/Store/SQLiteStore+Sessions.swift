public import Foundation
import UncordProtocol
public import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Every stored session, by peer user, peer device and position.
    public func sessionSummaries() throws -> [SessionSummary] {
        try connection.read { db in
            let transaction = view(db)
            return try db.query(
                """
                SELECT peer_user, peer_device, position, created_at, archived_at FROM sessions
                ORDER BY peer_user, peer_device, position
                """
            ).map { row in
                SessionSummary(
                    peer: DeviceAddress(
                        user: try transaction.uuid(row.text("peer_user"), "sessions.peer_user"),
                        device: try transaction.uuid(row.text("peer_device"), "sessions.peer_device")),
                    position: Int(try row.integer("position")),
                    createdAt: try view(db).timestamp(row.text("created_at"), "sessions.created_at"),
                    archivedAt: try row.optionalText("archived_at").map {
                        try view(db).timestamp($0, "sessions.archived_at")
                    })
            }
        }
    }

    /// Archives the session record of `address` (`SessionRecord.archive()`): the next send to the
    /// device starts a new session from a fresh bundle; the kept sessions still decrypt messages in flight.
    /// - Returns: how many sessions the record keeps; 0 when there is none, and then nothing changed.
    @discardableResult
    public func archiveSessions(of address: DeviceAddress) throws -> Int {
        try connection.write { db in
            let count = Int(
                try db.queryOne(
                    "SELECT count(*) FROM sessions WHERE peer_user = ? AND peer_device = ?",
                    [.text(address.user.lowercased), .text(address.device.lowercased)]
                )?.integer(0) ?? 0)
            guard count > 0 else { return 0 }
            try db.run(
                """
                UPDATE sessions SET archived_at = coalesce(archived_at, ?)
                WHERE peer_user = ? AND peer_device = ? AND position = 0
                """,
                [
                    .text(Timestamp(now, precision: .milliseconds).text), .text(address.user.lowercased),
                    .text(address.device.lowercased),
                ])
            return count
        }
    }

    /// Starts a recovery of the session with `address` (issue 16: messages from it cannot be decrypted because this
    /// side lost or forked the session) when none was started within `interval`: archives its record, so the next
    /// send to it starts a new session, and records the time, in one transaction. Shared by every process using
    /// the store, so the limit holds across processes and restarts.
    /// - Returns: `false` when a recovery with the device started less than `interval` ago (nothing changed).
    public func startSessionRecovery(with address: DeviceAddress, every interval: TimeInterval) throws -> Bool {
        try connection.write { db in
            let clock = now.timeIntervalSince1970
            let key: [SQLiteValue] = [.text(address.user.lowercased), .text(address.device.lowercased)]
            if let last = try db.queryOne(
                "SELECT started_at FROM session_recoveries WHERE peer_user = ? AND peer_device = ?", key),
                clock - (try last.real("started_at")) < interval
            {
                return false
            }
            try db.run(
                """
                INSERT OR REPLACE INTO session_recoveries (peer_user, peer_device, started_at) VALUES (?, ?, ?)
                """, key + [.real(clock)])
            try archiveSessions(of: address, db: db, stamp: Timestamp(now, precision: .milliseconds).text)
            return true
        }
    }

    /// Archives every session record, inside the caller's transaction; returns how many devices had one.
    func archiveAllSessions(_ db: SQLiteConnection) throws -> Int {
        try db.run(
            "UPDATE sessions SET archived_at = coalesce(archived_at, ?) WHERE position = 0",
            [.text(Timestamp(now, precision: .milliseconds).text)]
        )
        return db.changes
    }
}
