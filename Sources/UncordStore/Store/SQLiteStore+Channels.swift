public import Foundation

extension SQLiteStore {
    /// The DM channels of the stored messages, each once, in id order: the channels a restarted engine catches
    /// up on.
    public func knownChannels() throws -> [UUID] {
        try connection.read { db in
            try db.query("SELECT DISTINCT channel_id FROM messages ORDER BY channel_id").map {
                try view(db).uuid($0.text("channel_id"), "messages.channel_id")
            }
        }
    }

    /// The users known to be in a DM channel, in id order: the server's channel objects do not name their
    /// members, so the store learns them from the channels this device opened, the messages it sent (their
    /// participants) and the messages it received (their authors). This device's own user is included once it
    /// has sent or received a message there.
    public func members(of channel: UUID) throws -> [UUID] {
        try connection.read { db in
            try db.query(
                "SELECT user_id FROM channel_members WHERE channel_id = ? ORDER BY user_id", [.text(channel.lowercased)]
            ).map { try view(db).uuid($0.text("user_id"), "channel_members.user_id") }
        }
    }

    /// Records that `users` are members of `channel`; users already recorded are kept once.
    public func rememberMembers(_ users: [UUID], of channel: UUID) throws {
        try transaction { view in try view.rememberMembers(users, of: channel) }
    }
}

extension StoreTransaction {
    /// Records channel members inside this transaction.
    func rememberMembers(_ users: [UUID], of channel: UUID) throws {
        for user in users {
            try db.run(
                "INSERT OR IGNORE INTO channel_members (channel_id, user_id) VALUES (?, ?)",
                [.text(channel.lowercased), .text(user.lowercased)])
        }
    }
}
