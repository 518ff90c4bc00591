import Foundation
import UncordRatchet
import UncordSQLite

/// One sealed column of the schema, with what it takes to open and reseal every value in it: the cell each row's
/// value is sealed for (built by the same ``Sealer/Cell`` constructors as the store's writers) and the row's primary
/// key. A restored backup is resealed under the importer's store key with this list, so it must name every column
/// marked `-- sealed` in ``StoreSchema`` and every ``Sealer/Column`` but the key check (tests check both).
struct SealedColumn {
    /// The sealed column.
    let column: Sealer.Column
    /// Selects the sealed value as `value`, with the columns ``cell`` and ``primaryKey`` read.
    let select: String
    /// Stores a resealed value: the value is the first argument, the primary key the others.
    let update: String
    /// The cell the row's value is sealed for.
    let cell: (SQLiteRow, StoreTransaction) throws -> Sealer.Cell
    /// The row's primary key, as ``update``'s arguments after the value.
    let primaryKey: (SQLiteRow) throws -> [SQLiteValue]

    /// Every sealed column but `metadata.value` (the key check, written anew with the new key).
    static var all: [SealedColumn] {
        [
            SealedColumn(
                column: .identityPrivate,
                select: "SELECT id, device_id, identity_private AS value FROM local_device",
                update: "UPDATE local_device SET identity_private = ? WHERE id = ?",
                cell: { row, view in
                    .identityPrivate(device: try view.uuid(row.text("device_id"), "local_device.device_id"))
                },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                column: .signedPreKey,
                select: "SELECT key_id, private_key AS value FROM signed_pre_keys",
                update: "UPDATE signed_pre_keys SET private_key = ? WHERE key_id = ?",
                cell: { row, _ in .signedPreKey(id: try row.integer("key_id")) },
                primaryKey: { [.integer(try $0.integer("key_id"))] }),
            SealedColumn(
                column: .oneTimePreKey,
                select: "SELECT key_id, private_key AS value FROM one_time_pre_keys",
                update: "UPDATE one_time_pre_keys SET private_key = ? WHERE key_id = ?",
                cell: { row, _ in .oneTimePreKey(id: try row.integer("key_id")) },
                primaryKey: { [.integer(try $0.integer("key_id"))] }),
            SealedColumn(
                column: .sessionState,
                select: "SELECT id, peer_user, peer_device, base_key, state AS value FROM sessions",
                update: "UPDATE sessions SET state = ? WHERE id = ?",
                cell: { row, view in .sessionState(sessionRow: try sessionRowKey(row, view)) },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                column: .skippedMessageKey,
                select: """
                    SELECT k.session_id, k.ratchet_key, k.message_number, s.peer_user, s.peer_device, s.base_key,
                        k.message_key AS value
                    FROM skipped_message_keys k JOIN sessions s ON s.id = k.session_id
                    """,
                update: """
                    UPDATE skipped_message_keys SET message_key = ?
                    WHERE session_id = ? AND ratchet_key = ? AND message_number = ?
                    """,
                cell: { row, view in
                    .skippedMessageKey(
                        sessionRow: try sessionRowKey(row, view), ratchetKey: try row.blob("ratchet_key"),
                        number: UInt32(truncatingIfNeeded: try row.integer("message_number")))
                },
                primaryKey: {
                    [
                        .integer(try $0.integer("session_id")), .blob(try $0.blob("ratchet_key")),
                        .integer(try $0.integer("message_number")),
                    ]
                }),
            SealedColumn(
                column: .messagePayload,
                select: "SELECT id, payload AS value FROM messages",
                update: "UPDATE messages SET payload = ? WHERE id = ?",
                cell: { row, view in .messagePayload(try view.uuid(row.text("id"), "messages.id")) },
                primaryKey: { [.text(try $0.text("id"))] }),
            SealedColumn(
                column: .editPayload,
                select: "SELECT message_id, revision, payload AS value FROM message_edits",
                update: "UPDATE message_edits SET payload = ? WHERE message_id = ? AND revision = ?",
                cell: { row, view in
                    .editPayload(
                        try view.uuid(row.text("message_id"), "message_edits.message_id"),
                        revision: try row.integer("revision"))
                },
                primaryKey: { [.text(try $0.text("message_id")), .integer(try $0.integer("revision"))] }),
            SealedColumn(
                column: .outboxRequest,
                select: "SELECT id, request AS value FROM outbox",
                update: "UPDATE outbox SET request = ? WHERE id = ?",
                cell: { row, _ in .outboxRequest(id: try row.integer("id")) },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                column: .linkEphemeral,
                select: "SELECT id, device_id, ephemeral_private AS value FROM pending_link "
                    + "WHERE ephemeral_private IS NOT NULL",
                update: "UPDATE pending_link SET ephemeral_private = ? WHERE id = ?",
                cell: { row, view in
                    .linkEphemeral(device: try view.uuid(row.text("device_id"), "pending_link.device_id"))
                },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                column: .outboxPayload,
                select: "SELECT id, payload AS value FROM outbox WHERE payload IS NOT NULL",
                update: "UPDATE outbox SET payload = ? WHERE id = ?",
                cell: { row, _ in .outboxPayload(id: try row.integer("id")) },
                primaryKey: { [.integer(try $0.integer("id"))] }),
            SealedColumn(
                column: .serverTokens,
                select: "SELECT id, user_id, tokens AS value FROM server_credentials",
                update: "UPDATE server_credentials SET tokens = ? WHERE id = ?",
                cell: { row, view in
                    .serverTokens(user: try view.uuid(row.text("user_id"), "server_credentials.user_id"))
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
            let cell = try cell(row, view)
            guard cell.column == column else {
                throw StoreError.misuse("\(column.table).\(column.name) built a cell of another column")
            }
            let value = try old.open(try row.blob("value"), for: cell)
            try view.db.run(update, [.blob(try new.seal(value, for: cell))] + (try primaryKey(row)))
        }
        return rows.count
    }
}
