import Foundation
import HTTPTypes
import UncordProtocol
import UncordSQLite

extension DevDatabase {
    /// The most characters (Unicode scalars, the server's runes) a message's content may hold.
    static let maximumContentLength = 4000
    /// The most messages one list call answers.
    static let maximumPageSize = 100

    /// The most participants a group DM holds, its owner included.
    static let maximumGroupSize = 10

    /// `POST /users/@me/channels`. A direct channel between two users is created once; asking again answers the
    /// same channel. Either way DM_CHANNEL_CREATE goes to every participant, as on the real server.
    func createChannel(user: UUID, _ request: CreateDMChannelRequest) throws(DevServerError) -> (DMChannel, [Event]) {
        let participants: Set<UUID>
        let kind: DMChannel.Kind
        var name: String?
        var owner: UUID?
        var directKey: String?
        switch request {
        case .direct(let recipient):
            guard recipient != user else { throw .validation("a direct channel needs another user") }
            participants = [user, recipient]
            kind = .direct
            directKey = [user.wireText, recipient.wireText].sorted().joined(separator: ":")
        case .group(let groupName, let recipients):
            let trimmed = groupName.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 100 else { throw .validation("a group needs a name") }
            guard !recipients.isEmpty else { throw .validation("a group needs recipients") }
            participants = Set(recipients).union([user])
            guard participants.count <= Self.maximumGroupSize else {
                throw DevServerError(.conflict, .groupDMFull, "a group DM holds at most 10 participants")
            }
            kind = .group
            name = trimmed
            owner = user
        }
        return try write { db in
            if let directKey,
                let row = try db.queryOne("SELECT * FROM dm_channels WHERE direct_key = ?", [.text(directKey)])
            {
                let channel = try Self.channel(row)
                let event = Event(type: .dmChannelCreate, payload: try RawJSON(encoding: channel), users: participants)
                return (channel, [event])
            }
            let now = try Self.now()
            let channel = DMChannel(id: UUID(), kind: kind, name: name, ownerID: owner, createdAt: now, updatedAt: now)
            try db.run(
                """
                INSERT INTO dm_channels (id, kind, name, owner_id, direct_key, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(channel.id.wireText), .text(kind.rawValue), name.map { .text($0) } ?? .null,
                    owner.map { .text($0.wireText) } ?? .null, directKey.map { .text($0) } ?? .null,
                    .text(now.text), .text(now.text),
                ])
            for participant in participants {
                try db.run(
                    "INSERT INTO dm_participants (channel_id, user_id) VALUES (?, ?)",
                    [.text(channel.id.wireText), .text(participant.wireText)])
            }
            let event = Event(type: .dmChannelCreate, payload: try RawJSON(encoding: channel), users: participants)
            return (channel, [event])
        }
    }

    /// `GET /users/@me/channels`: the user's DM channels, oldest first.
    func channels(user: UUID) throws(DevServerError) -> [DMChannel] {
        try write { db in
            try db.query(
                """
                SELECT c.* FROM dm_channels AS c JOIN dm_participants AS p ON p.channel_id = c.id
                WHERE p.user_id = ? ORDER BY c.seq
                """, [.text(user.wireText)]
            ).map(Self.channel)
        }
    }

    /// `POST /dm/{channel_id}/messages`: stores the message and its per-device wraps. Fires DM_MESSAGE_CREATE,
    /// without `message_keys`, to every participant; the answer carries the wraps as sent.
    ///
    /// Each wrap is stored under the row of the participant's device with that client device id; a wrap for a
    /// device no participant has is dropped, and one whose id two participants' devices share is refused (the wire
    /// cannot say which is meant). With `storingKeys` false (the published server's defect 2) none is stored.
    func postMessage(
        user: UUID, channel: UUID, _ request: SendMessageRequest, storingKeys: Bool = true
    ) throws(DevServerError) -> (Message, [Event]) {
        let content = request.content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !content.isEmpty else { throw .validation("content must not be empty") }
        guard content.unicodeScalars.count <= Self.maximumContentLength else {
            throw .validation("content is limited to 4000 characters")
        }
        var wraps: [(UUID, [UInt8])] = []
        for key in request.messageKeys {
            guard case .device(let device) = key.recipient else { throw .validation("a wrap must name a device") }
            guard !wraps.contains(where: { $0.0 == device }) else { throw .validation("a device has two wraps") }
            wraps.append((device, key.encryptedKey))
        }
        return try write { db in
            let participants = try participants(of: channel, user: user, db: db)
            let message = Message(
                id: UUID(), channelID: channel, author: Self.author(user), content: content,
                replyToID: request.replyToID, encrypted: !wraps.isEmpty, createdAt: try Self.now())
            try db.run(
                """
                INSERT INTO messages (id, channel_id, author_id, content, reply_to_id, encrypted, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(message.id.wireText), .text(channel.wireText), .text(user.wireText), .text(content),
                    request.replyToID.map { .text($0.wireText) } ?? .null, .integer(message.encrypted ? 1 : 0),
                    .text(message.createdAt.text),
                ])
            for (device, wrap) in wraps where storingKeys {
                let rows = try db.query(
                    """
                    SELECT d.id FROM devices AS d JOIN dm_participants AS p ON p.user_id = d.user_id
                    WHERE p.channel_id = ? AND d.device_id = ?
                    """, [.text(channel.wireText), .text(device.wireText)])
                guard rows.count <= 1 else {
                    throw DevServerError.validation("a wrap's device id belongs to several participants' devices")
                }
                guard let row = rows.first else { continue }
                try db.run(
                    "INSERT INTO message_keys (message_id, device, encrypted_key) VALUES (?, ?, ?)",
                    [.text(message.id.wireText), .text(try row.text("id")), .blob(wrap)])
            }
            let event = Event(type: .dmMessageCreate, payload: try RawJSON(encoding: message), users: participants)
            var answer = message
            answer.messageKeys = request.messageKeys
            return (answer, [event])
        }
    }

    /// `GET /dm/{channel_id}/messages`: newest first, older than `before` when given, at most `limit` (50 by
    /// default, 100 at most). With `device`, each message carries that device's wrap alone, as `device_id ""`;
    /// `device` names one of the caller's own devices (any other id finds no wrap, and is no error).
    func messages(
        user: UUID, channel: UUID, device: UUID?, before: UUID?, limit: Int?
    ) throws(DevServerError) -> [Message] {
        let limit = min(max(limit ?? 50, 1), Self.maximumPageSize)
        return try write { db in
            _ = try participants(of: channel, user: user, db: db)
            let deviceRow = try device.flatMap { device in try deviceRowIfAny(user: user, device: device, db: db) }
            var bound = Int64.max
            if let before {
                guard
                    let row = try db.queryOne(
                        "SELECT seq FROM messages WHERE id = ? AND channel_id = ?",
                        [.text(before.wireText), .text(channel.wireText)])
                else { throw DevServerError.notFound("unknown message") }
                bound = try row.integer("seq")
            }
            let rows = try db.query(
                """
                SELECT m.id, m.author_id, m.content, m.reply_to_id, m.encrypted, m.created_at, k.encrypted_key
                FROM messages AS m
                LEFT JOIN message_keys AS k ON k.message_id = m.id AND k.device = ?
                WHERE m.channel_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?
                """,
                [
                    .text(deviceRow ?? ""), .text(channel.wireText), .integer(bound), .integer(limit),
                ])
            return try rows.map { row in
                let author = try Self.uuid(row.text("author_id"))
                var message = Message(
                    id: try Self.uuid(row.text("id")), channelID: channel, author: Self.author(author),
                    content: try row.text("content"),
                    replyToID: try row.optionalText("reply_to_id").map { text throws(DevServerError) in
                        try Self.uuid(text)
                    },
                    encrypted: try row.integer("encrypted") != 0,
                    createdAt: try Self.timestamp(row.text("created_at")))
                if device != nil {
                    message.messageKeys =
                        try row.optionalBlob("encrypted_key").map {
                            [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: $0)]
                        } ?? []
                }
                return message
            }
        }
    }

    /// The participants of `channel`; 403 `NOT_PARTICIPANT` unless `user` is one of them, also when the channel
    /// does not exist (as on the real server).
    private func participants(of channel: UUID, user: UUID, db: SQLiteConnection) throws -> Set<UUID> {
        let rows = try db.query("SELECT user_id FROM dm_participants WHERE channel_id = ?", [.text(channel.wireText)])
        let users = Set(try rows.map { row in try Self.uuid(row.text("user_id")) })
        guard users.contains(user) else { throw DevServerError.notParticipant() }
        return users
    }

    /// The development server knows no profiles: a user's name is derived from its id.
    static func author(_ user: UUID) -> Message.Author {
        Message.Author(id: user, username: "user-" + user.wireText.prefix(8))
    }

    private static func channel(_ row: SQLiteRow) throws -> DMChannel {
        DMChannel(
            id: try uuid(row.text("id")), kind: DMChannel.Kind(rawValue: try row.text("kind")),
            name: try row.optionalText("name"),
            ownerID: try row.optionalText("owner_id").map { text throws(DevServerError) in try uuid(text) },
            createdAt: try timestamp(row.text("created_at")), updatedAt: try timestamp(row.text("updated_at")))
    }
}
