import Foundation
import UncordRatchet
import UncordSQLite

/// One sealed column of the schema, with what it takes to open and reseal every value in it: the cell's row key
/// (``Sealer/Cell``) and the row's primary key. A restored backup is resealed under the importer's store key with
/// this list, so it must name every column marked `-- sealed` in ``StoreSchema`` (a test checks that it does).
struct SealedColumn {
    /// The table.
    let table: String
    /// The sealed column.
    let column: String
    /// Selects the sealed value as `value`, with the columns ``rowKey`` and ``primaryKey`` read.
    let select: String
    /// Stores a resealed value: the value is the first argument, the primary key the others.
    let update: String
    /// The row key the value is sealed for.
    let rowKey: (SQLiteRow, StoreTransaction) throws -> [UInt8]
    /// The row's primary key, as ``update``'s arguments after the value.
    let primaryKey: (SQLiteRow) throws -> [SQLiteValue]

    /// Every sealed column but `metadata.value` (the key check, written anew with the new key).
    static var all: [SealedColumn] {
        [
            SealedColumn(
                table: "local_device", column: "identity_private",
                select: "SELECT id, device_id, identity_private AS value FROM local_device",
                update: "UPDATE local_device SET identity_private = ? WHERE id = ?",
                rowKey: { row, view in
                    Array(try view.uuid(row.text("device_id"), "local_device.device_id").lowercased.utf8)
                },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                table: "signed_pre_keys", column: "private_key",
                select: "SELECT key_id, private_key AS value FROM signed_pre_keys",
                update: "UPDATE signed_pre_keys SET private_key = ? WHERE key_id = ?",
                rowKey: { row, _ in Array("\(try row.integer("key_id"))".utf8) },
                primaryKey: { [.integer(try $0.integer("key_id"))] }),
            SealedColumn(
                table: "one_time_pre_keys", column: "private_key",
                select: "SELECT key_id, private_key AS value FROM one_time_pre_keys",
                update: "UPDATE one_time_pre_keys SET private_key = ? WHERE key_id = ?",
                rowKey: { row, _ in Array("\(try row.integer("key_id"))".utf8) },
                primaryKey: { [.integer(try $0.integer("key_id"))] }),
            SealedColumn(
                table: "sessions", column: "state",
                select: "SELECT id, peer_user, peer_device, base_key, state AS value FROM sessions",
                update: "UPDATE sessions SET state = ? WHERE id = ?",
                rowKey: { row, view in try sessionRowKey(row, view) },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                table: "skipped_message_keys", column: "message_key",
                select: """
                    SELECT k.session_id, k.ratchet_key, k.message_number, s.peer_user, s.peer_device, s.base_key,
                        k.message_key AS value
                    FROM skipped_message_keys k JOIN sessions s ON s.id = k.session_id
                    """,
                update: """
                    UPDATE skipped_message_keys SET message_key = ?
                    WHERE session_id = ? AND ratchet_key = ? AND message_number = ?
                    """,
                rowKey: { row, view in
                    StoreTransaction.skippedRowKey(
                        try sessionRowKey(row, view), try row.blob("ratchet_key"),
                        UInt32(truncatingIfNeeded: try row.integer("message_number")))
                },
                primaryKey: {
                    [
                        .integer(try $0.integer("session_id")), .blob(try $0.blob("ratchet_key")),
                        .integer(try $0.integer("message_number")),
                    ]
                }),
            SealedColumn(
                table: "messages", column: "payload",
                select: "SELECT id, payload AS value FROM messages",
                update: "UPDATE messages SET payload = ? WHERE id = ?",
                rowKey: { row, view in Array(try view.uuid(row.text("id"), "messages.id").lowercased.utf8) },
                primaryKey: { [.text(try $0.text("id"))] }),
            SealedColumn(
                table: "message_edits", column: "payload",
                select: "SELECT message_id, revision, payload AS value FROM message_edits",
                update: "UPDATE message_edits SET payload = ? WHERE message_id = ? AND revision = ?",
                rowKey: { row, view in
                    let id = try view.uuid(row.text("message_id"), "message_edits.message_id").lowercased
                    return Array("\(id)/\(try row.integer("revision"))".utf8)
                },
                primaryKey: { [.text(try $0.text("message_id")), .integer(try $0.integer("revision"))] }),
            SealedColumn(
                table: "outbox", column: "request",
                select: "SELECT id, request AS value FROM outbox",
                update: "UPDATE outbox SET request = ? WHERE id = ?",
                rowKey: { row, _ in Array("\(try row.integer("id"))".utf8) },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                table: "pending_link", column: "ephemeral_private",
                select: "SELECT id, device_id, ephemeral_private AS value FROM pending_link "
                    + "WHERE ephemeral_private IS NOT NULL",
                update: "UPDATE pending_link SET ephemeral_private = ? WHERE id = ?",
                rowKey: { row, view in
                    Array(try view.uuid(row.text("device_id"), "pending_link.device_id").lowercased.utf8)
                },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                table: "outbox", column: "payload",
                select: "SELECT id, payload AS value FROM outbox WHERE payload IS NOT NULL",
                update: "UPDATE outbox SET payload = ? WHERE id = ?",
                rowKey: { row, _ in Array("\(try row.integer("id"))".utf8) },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                table: "server_credentials", column: "tokens",
                select: "SELECT id, user_id, tokens AS value FROM server_credentials",
                update: "UPDATE server_credentials SET tokens = ? WHERE id = ?",
                rowKey: { row, view in
                    ServerCredentials.cell(user: try view.uuid(row.text("user_id"), "server_credentials.user_id")).row
                },
                primaryKey: { [.integer(try $0.integer("id"))] }),
        ]
    }

    /// A session's row key from its `peer_user`, `peer_device` and `base_key` columns.
    private static func sessionRowKey(_ row: SQLiteRow, _ view: StoreTransaction) throws -> [UInt8] {
        let address = DeviceAddress(
            user: try view.uuid(row.text("peer_user"), "sessions.peer_user"),
            device: try view.uuid(row.text("peer_device"), "sessions.peer_device"))
        return StoreTransaction.sessionRowKey(address, baseKey: try row.blob("base_key"))
    }

    /// Opens every value of this column with `old` and seals it again with `new`, for the same cell.
    /// - Returns: how many values were resealed.
    func reseal(in view: StoreTransaction, from old: Sealer, to new: Sealer) throws -> Int {
        let rows = try view.db.query(select)
        for row in rows {
            let cell = Sealer.Cell(table, column, row: try rowKey(row, view))
            let value = try old.open(try row.blob("value"), for: cell)
            try view.db.run(update, [.blob(try new.seal(value, for: cell))] + (try primaryKey(row)))
        }
        return rows.count
    }
}
