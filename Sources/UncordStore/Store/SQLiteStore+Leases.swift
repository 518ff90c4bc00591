public import Foundation
import UncordSQLite

extension SQLiteStore {
    /// Takes the lease `name` for `holder` until `duration` from now, when no one else holds it or the holder's
    /// lease has expired (a process killed while holding it loses it then); renews it when `holder` holds it already.
    /// One transaction, so of several processes asking at once exactly one gets it.
    ///
    /// ```swift
    /// if try store.takeLease("one-time-pre-keys", holder: me, for: 60) {
    ///     defer { try? store.releaseLease("one-time-pre-keys", holder: me) }
    ///     try await topUp()
    /// }
    /// ```
    /// - Returns: whether `holder` holds the lease now.
    @discardableResult
    public func takeLease(_ name: String, holder: String, for duration: TimeInterval) throws -> Bool {
        try connection.write { db in
            let now = clock().timeIntervalSince1970
            if let row = try db.queryOne("SELECT holder, expires_at FROM leases WHERE name = ?", [.text(name)]) {
                let expires = try row.real("expires_at")
                guard try row.text("holder") == holder || expires <= now else { return false }
            }
            try db.run(
                "INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)",
                [.text(name), .text(holder), .real(now + duration)])
            return true
        }
    }

    /// Gives the lease `name` back when `holder` holds it; another holder's lease is left alone.
    public func releaseLease(_ name: String, holder: String) throws {
        try connection.write { db in
            try db.run("DELETE FROM leases WHERE name = ? AND holder = ?", [.text(name), .text(holder)])
        }
    }

    /// Who holds the lease `name` now, and until when; `nil` when no one does (or the lease expired).
    public func leaseHolder(_ name: String) throws -> (holder: String, expires: Date)? {
        try connection.read { db in
            guard let row = try db.queryOne("SELECT holder, expires_at FROM leases WHERE name = ?", [.text(name)])
            else { return nil }
            let expires = Date(timeIntervalSince1970: try row.real("expires_at"))
            return expires > clock() ? (try row.text("holder"), expires) : nil
        }
    }
}
