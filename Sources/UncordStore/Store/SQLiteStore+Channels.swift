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
}
