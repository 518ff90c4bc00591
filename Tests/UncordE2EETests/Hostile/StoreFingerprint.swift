import Foundation
import UncordCrypto
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

extension SQLiteStore {
    /// A hash of the whole store: every row of every table (blobs in hex, rows sorted, tables by name), then the
    /// database file's bytes after its WAL has been checkpointed into it and truncated. Equal before and after a
    /// step exactly when the step wrote nothing (a rewrite of an unchanged sealed value shows, as sealing draws a
    /// fresh nonce).
    func fingerprint() throws -> [UInt8] {
        var text = ""
        try connection.read { db in
            _ = try db.query("PRAGMA wal_checkpoint(TRUNCATE)")
            for (name, rows) in try db.everyRow().sorted(by: { $0.key < $1.key }) {
                text += "\(name)\n" + rows.joined(separator: "\n") + "\n"
            }
        }
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        return SHA256.hash(Array(text.utf8) + SHA256.hash(Array(file)) + SHA256.hash(Array(wal)))
    }
}
