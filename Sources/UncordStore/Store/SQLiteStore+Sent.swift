public import Foundation
import UncordProtocol
public import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Records an acknowledged send from its outbox entry alone — as ``pendingSends()`` returns it after a
    /// restart — exactly as ``recordSent(_:payload:messageID:)`` records it with `entry.payload`.
    ///
    /// A row queued before schema version 3 kept no payload: it is only deleted (``acknowledge(_:)``), since the
    /// server has the message and a retry would post it twice.
    /// - Returns: the message as stored, or `nil` when the entry carries no payload.
    /// - Throws: ``StoreError`` when the store fails; nothing changed then.
    @discardableResult
    public func recordSent(_ entry: OutboxEntry, messageID: UUID) throws -> StoredMessage? {
        guard let payload = entry.payload else {
            try acknowledge(entry)
            return nil
        }
        return try recordSent(entry, payload: payload, messageID: messageID)
    }

    /// Records this device's own send once the server acknowledged it, in one transaction: the outbox row is
    /// deleted and `payload` is stored in `messages` under the server's `messageID`, authored by this device and
    /// sealed like a received payload, so ``message(id:)`` returns it and the history keeps it.
    ///
    /// An edit (`payload.editOf == messageID`) replaces the stored payload of its message, the previous one kept
    /// as a revision in `message_edits` as for a received edit; any other id already stored keeps its row
    /// unchanged, so recording the same acknowledgement twice is harmless.
    /// - Returns: the message as stored.
    /// - Throws: ``StoreError`` when the store fails; nothing changed then.
    @discardableResult
    public func recordSent(_ entry: OutboxEntry, payload: MessagePayload, messageID: UUID) throws -> StoredMessage {
        try transaction { view in
            let local = try view.localIdentity().address
            try view.db.run("DELETE FROM outbox WHERE id = ?", [.integer(entry.id)])
            let row = messageID.lowercased
            let sealed = try sealer.seal(try payload.encoded(), for: .messagePayload(messageID))
            if let stored = try storedMessage(id: messageID, db: view.db) {
                guard payload.editOf == messageID, stored.sender.user == local.user, !stored.isDeleted else {
                    return stored
                }
                let stamp = Timestamp(view.now, precision: .milliseconds).text
                let revision =
                    Int64(
                        try view.db.queryOne(
                            "SELECT count(*) AS n FROM message_edits WHERE message_id = ?", [.text(row)]
                        )?.integer("n") ?? 0) + 1
                let previous = try sealer.seal(
                    try stored.payload.encoded(), for: .editPayload(messageID, revision: revision))
                try view.db.run(
                    "INSERT INTO message_edits (message_id, revision, payload, edited_at) VALUES (?, ?, ?, ?)",
                    [.text(row), .integer(revision), .blob(previous), .text(stored.editedAt ?? stamp)])
                try view.db.run(
                    "UPDATE messages SET payload = ?, edited_at = ? WHERE id = ?",
                    [.blob(sealed), .text(stamp), .text(row)])
            } else {
                try view.db.run(
                    """
                    INSERT INTO messages
                        (id, channel_id, author_user, author_device, payload, received_at, content_digest)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(row), .text(entry.channel.lowercased), .text(local.user.lowercased),
                        .text(local.device.lowercased), .blob(sealed),
                        .text(Timestamp(view.now, precision: .milliseconds).text),
                        (try? WireJSON.decode(SendMessageRequest.self, from: entry.body)).map {
                            .blob(Self.postDigest(content: $0.content, wrap: nil))
                        } ?? .null,
                    ])
            }
            // This user's own delete erases the message it names in the same transaction (after a restart too).
            if payload.type == MessagePayload.deleteType, let target = payload.editOf,
                let original = try storedMessage(id: target, db: view.db), original.sender.user == local.user,
                original.channel == entry.channel
            {
                try erase(target, view: view)
                try view.db.run("UPDATE messages SET deleted = 1 WHERE id = ?", [.text(row)])
            }
            return try storedMessage(id: messageID, db: view.db)
                ?? StoredMessage(id: messageID, channel: entry.channel, sender: local, payload: payload)
        }
    }
}
