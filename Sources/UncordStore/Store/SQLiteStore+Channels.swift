public import Foundation
public import UncordProtocol
import UncordRatchet
import UncordSQLite

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

    /// The newest message of `channel` when a catch-up of it started that has not completed since (a page could
    /// not be read, or the process was killed): the next catch-up pages back past it before it may stop at the
    /// stored history, so messages stored live since cannot hide the hole below. `nil` when every catch-up of the
    /// channel completed.
    public func openCatchUp(of channel: UUID) throws -> UUID? {
        try connection.read { db in
            guard let row = try Self.metadata(db, Self.openCatchUpKey(channel)) else { return nil }
            return try view(db).uuid(row.text(0), "metadata.value")
        }
    }

    /// Records that a catch-up of `channel` starts at its newest message `newest`, unless an earlier one is still
    /// open (that one's mark is older and must be passed first).
    public func markCatchUpStarted(in channel: UUID, newest: UUID) throws {
        try connection.write { db in
            guard try Self.metadata(db, Self.openCatchUpKey(channel)) == nil else { return }
            try Self.setMetadata(db, Self.openCatchUpKey(channel), .text(newest.lowercased))
        }
    }

    /// Records that a catch-up of `channel` completed: nothing of it is missing down to the stored history.
    public func markCatchUpCompleted(in channel: UUID) throws {
        try connection.write { db in
            try db.run("DELETE FROM metadata WHERE key = ?", [.text(Self.openCatchUpKey(channel))])
        }
    }

    private static func openCatchUpKey(_ channel: UUID) -> String { "open_catch_up:\(channel.lowercased)" }

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

    /// Records that `users` are members of `channel` (users already recorded are kept once), and its kind when
    /// known: a 1:1 DM (`DMChannel.Kind.direct`) never takes a member beyond its two.
    public func rememberMembers(_ users: [UUID], of channel: UUID, kind: DMChannel.Kind? = nil) throws {
        try transaction { view in
            try view.rememberMembers(users, of: channel)
            try view.confirmPending(users, of: channel)
            if let kind { try view.rememberKind(kind, of: channel) }
        }
    }

    /// Records a channel's kind (from DM_CHANNEL_CREATE or the create answer).
    public func rememberKind(_ kind: DMChannel.Kind, of channel: UUID) throws {
        try transaction { view in try view.rememberKind(kind, of: channel) }
    }

    /// Authors of a group DM held as pending members: never wrapped for until confirmed.
    public func pendingMembers(of channel: UUID) throws -> [UUID] {
        try connection.read { db in
            try db.query(
                "SELECT user_id FROM pending_members WHERE channel_id = ? ORDER BY user_id", [.text(channel.lowercased)]
            ).map { try view(db).uuid($0.text("user_id"), "pending_members.user_id") }
        }
    }

    /// Makes a pending member of `channel` a member.
    /// - Returns: `false` when `user` was not pending there (nothing changed).
    public func confirmMember(_ user: UUID, of channel: UUID) throws -> Bool {
        try transaction { view in
            guard
                try view.db.queryOne(
                    "SELECT 1 FROM pending_members WHERE channel_id = ? AND user_id = ?",
                    [.text(channel.lowercased), .text(user.lowercased)]) != nil
            else { return false }
            try view.rememberMembers([user], of: channel)
            try view.confirmPending([user], of: channel)
            return true
        }
    }
}

extension StoreTransaction {
    /// Applies the author of a received message to its channel's members: the first other author of a channel
    /// with no other known member becomes one; a 1:1 DM never takes a third; a group DM's new author is pending.
    func learnAuthor(_ user: UUID, of channel: UUID) throws -> MembershipChange? {
        let channelText = SQLiteValue.text(channel.lowercased)
        if try db.queryOne(
            "SELECT 1 FROM channel_members WHERE channel_id = ? AND user_id = ?", [channelText, .text(user.lowercased)])
            != nil
        {
            return nil
        }
        let own = try localIdentity().address.user
        if user == own {
            // This account's other device wrote: its own user is a member, never "new".
            try rememberMembers([user], of: channel)
            return nil
        }
        let others = try db.query(
            "SELECT user_id FROM channel_members WHERE channel_id = ? AND user_id != ?",
            [channelText, .text(own.lowercased)]
        ).count
        if others == 0 {
            try rememberMembers([user], of: channel)
            return .added
        }
        let kind = try db.queryOne("SELECT kind FROM channel_kinds WHERE channel_id = ?", [channelText])?.text("kind")
        if kind == DMChannel.Kind.direct.rawValue { return .refused }
        try db.run(
            "INSERT OR IGNORE INTO pending_members (channel_id, user_id, seen_at) VALUES (?, ?, ?)",
            [channelText, .text(user.lowercased), .text(Timestamp(now, precision: .milliseconds).text)])
        return db.changes == 1 ? .pending : .stillPending
    }

    /// Clears `users` from the channel's pending members (they were named by the app or confirmed).
    func confirmPending(_ users: [UUID], of channel: UUID) throws {
        for user in users {
            try db.run(
                "DELETE FROM pending_members WHERE channel_id = ? AND user_id = ?",
                [.text(channel.lowercased), .text(user.lowercased)])
        }
    }

    func rememberKind(_ kind: DMChannel.Kind, of channel: UUID) throws {
        try db.run(
            "INSERT OR REPLACE INTO channel_kinds (channel_id, kind) VALUES (?, ?)",
            [.text(channel.lowercased), .text(kind.rawValue)])
    }

    /// Records channel members inside this transaction.
    func rememberMembers(_ users: [UUID], of channel: UUID) throws {
        for user in users {
            try db.run(
                "INSERT OR IGNORE INTO channel_members (channel_id, user_id) VALUES (?, ?)",
                [.text(channel.lowercased), .text(user.lowercased)])
        }
    }
}
