public import Foundation
import UncordCrypto
public import UncordProtocol
public import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Decrypts and stores a message in one transaction: the session update, skipped keys added or removed, the
    /// consumed one-time pre-key, the payload and the message id commit together, or nothing does.
    ///
    /// A message whose id is already stored returns the stored payload and touches no session, so history
    /// re-fetches and gateway replays are harmless.
    /// - Throws: `RatchetError` when the message cannot be decrypted; ``StoreError`` for storage
    ///   failures. Either way nothing changed.
    public func receive(_ message: Message, using cipher: SessionCipher) throws -> ReceivedMessage {
        try transaction { view in
            if let stored = try storedMessage(id: message.id, db: view.db) {
                return ReceivedMessage(message: stored, wasAlreadyStored: true, notices: [])
            }
            let digest = Self.postDigest(
                content: message.content, wrap: Self.wrap(in: message, for: try view.localIdentity().address.device))
            let opened: OpenedMessage
            do {
                opened = try cipher.open(message, in: view)
            } catch let error as RatchetError {
                // A second post of a send already received carries a used message key, so it cannot be opened; its
                // digest names the first (looked for only then: almost every message opens).
                guard let original = try original(of: message, digest: digest, db: view.db),
                    let stored = try storedMessage(id: original, db: view.db)
                else { throw error }
                return ReceivedMessage(message: stored, wasAlreadyStored: false, notices: [], duplicateOf: original)
            }
            var stored = StoredMessage(
                id: message.id, channel: message.channelID, sender: opened.sender, payload: opened.payload)
            var deleted: UUID?
            if opened.payload.type == MessagePayload.deleteType {
                // The author's own delete: applied to the named message when it is the author's in this channel;
                // the control message itself is kept (so a replay is known) with no text.
                guard let target = opened.payload.editOf,
                    let original = try storedMessage(id: target, db: view.db), original.channel == message.channelID,
                    original.sender.user == opened.sender.user
                else {
                    throw RatchetError.invalidPayload(
                        field: "edit_of", reason: "a delete must name a message of its author in its channel")
                }
                try erase(target, view: view)
                deleted = target
                stored.isDeleted = true
            }
            let sealed = try sealer.seal(
                try opened.payload.encoded(), for: .messagePayload(message.id))
            try view.db.run(
                """
                INSERT INTO messages (id, channel_id, author_user, author_device, payload, received_at, content_digest)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(message.id.lowercased), .text(message.channelID.lowercased),
                    .text(opened.sender.user.lowercased), .text(opened.sender.device.lowercased), .blob(sealed),
                    .text(Timestamp(view.now, precision: .milliseconds).text), .blob(digest),
                ])
            if deleted != nil {
                try view.db.run("UPDATE messages SET deleted = 1 WHERE id = ?", [.text(message.id.lowercased)])
            }
            let membership = try view.learnAuthor(opened.sender.user, of: message.channelID)
            return ReceivedMessage(
                message: stored, wasAlreadyStored: false, notices: opened.notices, identityKey: opened.identityKey,
                membership: membership, deleted: deleted)
        }
    }

    /// The digest that recognises a post the server holds twice (a send retried after its answer was lost): SHA-256
    /// of its `content` text and of the key wrap addressed to this device (none for this device's own sends), both
    /// as the server keeps them. A second post of one send carries both unchanged; a post that changes either is
    /// not a copy, and is received (and refused) as any message is.
    static func postDigest(content: String, wrap: [UInt8]?) -> [UInt8] {
        SHA256.hash(Array(content.utf8) + [0] + (wrap ?? []))
    }

    /// The key wrap `message` carries for `device`, if any.
    static func wrap(in message: Message, for device: UUID) -> [UInt8]? {
        message.wrap(for: device)?.encryptedKey
    }

    /// The id of the stored message that `message` is a second copy of (see ``ReceivedMessage/duplicateOf``); `nil`
    /// when it is not one. Nothing is written: a copy is recognised again each time. Reads the channel's messages
    /// (no index on digests: a lookup is rare), so it is for messages nothing else recognised.
    public func originalOfCopy(_ message: Message) throws -> UUID? {
        try connection.read { db in
            let device = try view(db).localIdentity().address.device
            let digest = Self.postDigest(content: message.content, wrap: Self.wrap(in: message, for: device))
            return try original(of: message, digest: digest, db: db)
        }
    }

    /// The stored message with the same digest, in the same channel by the same author, under another id (through
    /// `messages_by_channel`).
    private func original(of message: Message, digest: [UInt8], db: SQLiteConnection) throws -> UUID? {
        guard
            let row = try db.queryOne(
                """
                SELECT id FROM messages WHERE content_digest = ? AND channel_id = ? AND author_user = ? AND id != ?
                """,
                [
                    .blob(digest), .text(message.channelID.lowercased), .text(message.author.id.lowercased),
                    .text(message.id.lowercased),
                ])
        else { return nil }
        return UUID(uuidString: try row.text("id"))
    }

    /// Whether the message with this id was stored at or after `date` (on the store's clock): decrypted by another
    /// process while this one ran, rather than history from before.
    public func messageStored(id: UUID, since date: Date) throws -> Bool {
        try connection.read { db in
            guard let row = try db.queryOne("SELECT received_at FROM messages WHERE id = ?", [.text(id.lowercased)]),
                let received = Timestamp(rfc3339: try row.text("received_at"))?.date
            else { return false }
            return received >= date
        }
    }

    /// The stored message with this id, if any.
    public func message(id: UUID) throws -> StoredMessage? {
        try connection.read { db in try storedMessage(id: id, db: db) }
    }

    /// How many messages are stored.
    public func messageCount() throws -> Int {
        try connection.read { db in Int(try db.queryOne("SELECT count(*) AS n FROM messages")?.integer("n") ?? 0) }
    }

    /// Seals a message for every recipient device and queues the request in the outbox, in one transaction:
    /// the session advances and the outbox row appears together, holding the request body and the payload (both
    /// sealed), so a restarted client can still resend the one and record the other. The row stays until
    /// ``recordSent(_:messageID:)`` or ``acknowledge(_:)``.
    public func send(
        _ payload: MessagePayload, channel: UUID, participants: [UUID], bundles: [UserKeyBundle] = [],
        replyTo: UUID? = nil, using cipher: SessionCipher
    ) throws -> OutboxEntry {
        try transaction { view in
            let sealed = try cipher.seal(
                payload, channel: channel, participants: participants, bundles: bundles, in: view)
            let body = try WireJSON.encode(sealed.request(replyTo: replyTo))
            try view.rememberMembers(participants, of: channel)
            try view.confirmPending(participants, of: channel)
            let stamp = Timestamp(view.now, precision: .milliseconds).text
            try view.db.run(
                "INSERT INTO outbox (channel_id, request, created_at) VALUES (?, zeroblob(0), ?)",
                [.text(channel.lowercased), .text(stamp)])
            let id = view.db.lastInsertRowID
            let sealedBody = try sealer.seal(body, for: .outboxRequest(id: id))
            let sealedPayload = try sealer.seal(try payload.encoded(), for: .outboxPayload(id: id))
            try view.db.run(
                "UPDATE outbox SET request = ?, payload = ? WHERE id = ?",
                [.blob(sealedBody), .blob(sealedPayload), .integer(id)])
            return OutboxEntry(id: id, channel: channel, body: body, notices: sealed.notices, payload: payload)
        }
    }

    /// The sends the server has not acknowledged, oldest first, each with its payload (`nil` for a row queued
    /// before schema version 3); a retry posts each body unchanged.
    public func pendingSends() throws -> [OutboxEntry] {
        try connection.read { db in
            try db.query("SELECT id, channel_id, request, payload FROM outbox ORDER BY id").map { row in
                let id = try row.integer("id")
                let body = try sealer.open(row.blob("request"), for: .outboxRequest(id: id))
                var payload: MessagePayload?
                if let sealed = try row.optionalBlob("payload") {
                    let bytes = try sealer.open(sealed, for: .outboxPayload(id: id))
                    payload = try MessagePayload(decoding: bytes.exportBytes())
                }
                return OutboxEntry(
                    id: id, channel: try view(db).uuid(row.text("channel_id"), "outbox.channel_id"),
                    body: body.exportBytes(), notices: [], payload: payload)
            }
        }
    }

    /// Removes an outbox row once the server has acknowledged the send.
    public func acknowledge(_ entry: OutboxEntry) throws {
        try connection.write { db in try db.run("DELETE FROM outbox WHERE id = ?", [.integer(entry.id)]) }
    }

    func storedMessage(id: UUID, db: SQLiteConnection) throws -> StoredMessage? {
        guard
            let row = try db.queryOne(
                """
                SELECT channel_id, author_user, author_device, payload, edited_at, deleted, removed_by_server
                FROM messages WHERE id = ?
                """,
                [.text(id.lowercased)])
        else { return nil }
        let bytes = try sealer.open(row.blob("payload"), for: .messagePayload(id))
        let transaction = view(db)
        return StoredMessage(
            id: id, channel: try transaction.uuid(row.text("channel_id"), "messages.channel_id"),
            sender: DeviceAddress(
                user: try transaction.uuid(row.text("author_user"), "messages.author_user"),
                device: try transaction.uuid(row.text("author_device"), "messages.author_device")),
            payload: try MessagePayload(decoding: bytes.exportBytes()), editedAt: try row.optionalText("edited_at"),
            isDeleted: try row.integer("deleted") != 0, isRemovedByServer: try row.integer("removed_by_server") != 0)
    }
}
