public import Foundation
import UncordCrypto
public import UncordProtocol
public import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Applies a DM_MESSAGE_UPDATE in one transaction: decrypts the new content, keeps the previous payload as a
    /// revision, and stores the new one with the server's `edited_at`.
    ///
    /// An update already applied (the same `edited_at`) returns the stored message and touches no session. An
    /// update for a message never stored is received as a new message. The new payload must name the message it
    /// edits (`edit_of` = the message id), so the server cannot pass off another message's content as an edit.
    /// - Throws: `RatchetError` when the update cannot be decrypted or does not name the message.
    public func receiveUpdate(_ message: Message, using cipher: SessionCipher) throws -> ReceivedMessage {
        try transaction { view in
            guard let stored = try storedMessage(id: message.id, db: view.db) else {
                return try receive(message, using: cipher)
            }
            if stored.isDeleted || (message.editedAt != nil && stored.editedAt == message.editedAt?.text) {
                return ReceivedMessage(message: stored, wasAlreadyStored: true, notices: [])
            }
            let opened = try cipher.open(message, in: view)
            guard opened.payload.editOf == message.id else {
                throw RatchetError.invalidPayload(field: "edit_of", reason: "an edit must name the message it edits")
            }
            guard opened.sender.user == stored.sender.user else {
                throw RatchetError.invalidPayload(field: "sender_device", reason: "an edit must come from the author")
            }
            let revision =
                Int64(
                    try view.db.queryOne(
                        "SELECT count(*) AS n FROM message_edits WHERE message_id = ?", [.text(message.id.lowercased)]
                    )?.integer("n") ?? 0) + 1
            let stamp = message.editedAt?.text ?? Timestamp(view.now, precision: .milliseconds).text
            let previous = try sealer.seal(
                try stored.payload.encoded(),
                for: .editPayload(message.id, revision: revision))
            try view.db.run(
                "INSERT INTO message_edits (message_id, revision, payload, edited_at) VALUES (?, ?, ?, ?)",
                [.text(message.id.lowercased), .integer(revision), .blob(previous), .text(stored.editedAt ?? stamp)])
            let sealed = try sealer.seal(
                try opened.payload.encoded(), for: .messagePayload(message.id))
            try view.db.run(
                "UPDATE messages SET payload = ?, edited_at = ? WHERE id = ?",
                [.blob(sealed), .text(stamp), .text(message.id.lowercased)])
            var updated = stored
            updated.payload = opened.payload
            updated.editedAt = stamp
            return ReceivedMessage(
                message: updated, wasAlreadyStored: false, notices: opened.notices, identityKey: opened.identityKey)
        }
    }

    /// The earlier revisions of an edited message, oldest first.
    public func revisions(of id: UUID) throws -> [MessagePayload] {
        try connection.read { db in
            try db.query(
                "SELECT revision, payload FROM message_edits WHERE message_id = ? ORDER BY revision",
                [.text(id.lowercased)]
            ).map { row in
                let revision = try row.integer("revision")
                let bytes = try sealer.open(
                    row.blob("payload"), for: .editPayload(id, revision: revision))
                return try MessagePayload(decoding: bytes.exportBytes())
            }
        }
    }

    /// Applies this user's own delete of message `id` (sent as an encrypted delete): the message is marked deleted,
    /// its text replaced by an empty body and its revisions removed, in one transaction. Returns `false` when the
    /// message was never stored, or is not this user's.
    @discardableResult
    public func markDeleted(messageID id: UUID) throws -> Bool {
        try transaction { view in
            guard let stored = try storedMessage(id: id, db: view.db),
                stored.sender.user == (try view.localIdentity().address.user)
            else { return false }
            try erase(id, view: view)
            return true
        }
    }

    /// Applies a DM_MESSAGE_DELETE: only when the message is stored in `channel`, it is marked removed by the
    /// server and its text is kept (a server cannot delete for the author). Returns `false` otherwise (nothing
    /// changed).
    public func markRemovedByServer(messageID id: UUID, channel: UUID) throws -> Bool {
        try transaction { view in
            guard let stored = try storedMessage(id: id, db: view.db), stored.channel == channel,
                !stored.isRemovedByServer
            else { return false }
            try view.db.run("UPDATE messages SET removed_by_server = 1 WHERE id = ?", [.text(id.lowercased)])
            return true
        }
    }

    /// Erases a message's text and revisions inside a transaction.
    func erase(_ id: UUID, view: StoreTransaction) throws {
        guard var stored = try storedMessage(id: id, db: view.db) else { return }
        stored.payload.body = ""
        let sealed = try sealer.seal(
            try stored.payload.encoded(), for: .messagePayload(id))
        try view.db.run("DELETE FROM message_edits WHERE message_id = ?", [.text(id.lowercased)])
        try view.db.run(
            "UPDATE messages SET payload = ?, deleted = 1 WHERE id = ?", [.blob(sealed), .text(id.lowercased)])
    }
}
