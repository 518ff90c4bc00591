import Foundation
import UncordCrypto

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
            let names = try db.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for name in try names.map({ try $0.text("name") }) {
                let rows = try db.query("SELECT * FROM \"\(name)\"").map(Self.fingerprintText).sorted()
                text += "\(name)\n" + rows.joined(separator: "\n") + "\n"
            }
        }
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        return SHA256.hash(Array(text.utf8) + SHA256.hash(Array(file)) + SHA256.hash(Array(wal)))
    }

    private static func fingerprintText(_ row: SQLiteRow) -> String {
        row.values.map { value in
            switch value {
            case .null: "null"
            case .integer(let number): "i\(number)"
            case .real(let number): "r\(number)"
            case .text(let text): "t\(text.debugDescription)"
            case .blob(let bytes): "b\(Hex.encode(bytes))"
            case .secureBlob(let bytes): "s\(Hex.encode(bytes.exportBytes()))"
            }
        }.joined(separator: "|")
    }
}
