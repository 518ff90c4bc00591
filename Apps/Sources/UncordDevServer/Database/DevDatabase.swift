import Foundation
import UncordProtocol
import UncordSQLite

/// The development server's SQLite file: devices, pre-keys, DM channels and messages.
///
/// Every route is one call here, and each call is one transaction on the store's serialising connection, so a
/// bundle fetch consumes its one-time pre-keys atomically. Calls answer with the value for the HTTP answer and the
/// gateway events to fire once the transaction has committed.
final class DevDatabase: Sendable {
    /// A gateway dispatch that a committed change calls for.
    struct Event: Sendable {
        /// The dispatch name.
        var type: DispatchEvent
        /// The `d` payload.
        var payload: RawJSON
        /// The users whose sessions receive it.
        var users: Set<UUID>
    }

    /// The most devices a user may register.
    static let maximumDevices = 5
    /// A bundle fetch that leaves a device with this many one-time pre-keys or fewer fires KEY_BUNDLE_LOW.
    static let lowPreKeyThreshold = 10

    let store: SQLiteDatabase

    /// Opens (creating if needed) `devserver.sqlite` in `directory` and brings its schema up to date.
    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("devserver.sqlite")
        store = try SQLiteDatabase(path: path, options: .init(secureDelete: false))
        try store.write { db in try db.migrate(Self.migrations) }
    }

    /// The schema, append-only.
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            sql: """
                CREATE TABLE devices (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    user_id TEXT NOT NULL,
                    device_id TEXT NOT NULL UNIQUE,
                    label TEXT,
                    identity_key BLOB NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX devices_by_user ON devices (user_id, seq);
                CREATE TABLE signed_pre_keys (
                    device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
                    key_id INTEGER NOT NULL,
                    public_key BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    active INTEGER NOT NULL,
                    PRIMARY KEY (device_id, key_id)
                );
                CREATE TABLE one_time_pre_keys (
                    device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
                    key_id INTEGER NOT NULL,
                    public_key BLOB NOT NULL,
                    consumed INTEGER NOT NULL DEFAULT 0,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (device_id, key_id)
                );
                CREATE TABLE dm_channels (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    name TEXT,
                    owner_id TEXT,
                    direct_key TEXT UNIQUE,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE dm_participants (
                    channel_id TEXT NOT NULL REFERENCES dm_channels (id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    PRIMARY KEY (channel_id, user_id)
                );
                CREATE INDEX dm_participants_by_user ON dm_participants (user_id);
                CREATE TABLE messages (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    channel_id TEXT NOT NULL REFERENCES dm_channels (id) ON DELETE CASCADE,
                    author_id TEXT NOT NULL,
                    content TEXT NOT NULL,
                    reply_to_id TEXT,
                    encrypted INTEGER NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX messages_by_channel ON messages (channel_id, seq);
                CREATE TABLE message_keys (
                    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                    device_id TEXT NOT NULL,
                    encrypted_key BLOB NOT NULL,
                    PRIMARY KEY (message_id, device_id)
                );
                CREATE INDEX message_keys_by_device ON message_keys (device_id);
                """),
        // Device ids are unique per user, as on the real server: two users may register the same client device
        // id. Pre-keys and message keys therefore hang off the device's row id (`devices.id`), not its client id.
        Migration(
            version: 2,
            sql: """
                CREATE TABLE devices_v2 (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    user_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    label TEXT,
                    identity_key BLOB NOT NULL,
                    created_at TEXT NOT NULL,
                    UNIQUE (user_id, device_id)
                );
                INSERT INTO devices_v2 (seq, id, user_id, device_id, label, identity_key, created_at)
                SELECT seq, id, user_id, device_id, label, identity_key, created_at FROM devices;
                CREATE TABLE signed_pre_keys_v2 (
                    device TEXT NOT NULL REFERENCES devices_v2 (id) ON DELETE CASCADE,
                    key_id INTEGER NOT NULL,
                    public_key BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    active INTEGER NOT NULL,
                    PRIMARY KEY (device, key_id)
                );
                INSERT INTO signed_pre_keys_v2 (device, key_id, public_key, signature, active)
                SELECT d.id, s.key_id, s.public_key, s.signature, s.active
                FROM signed_pre_keys AS s JOIN devices AS d ON d.device_id = s.device_id;
                CREATE TABLE one_time_pre_keys_v2 (
                    device TEXT NOT NULL REFERENCES devices_v2 (id) ON DELETE CASCADE,
                    key_id INTEGER NOT NULL,
                    public_key BLOB NOT NULL,
                    consumed INTEGER NOT NULL DEFAULT 0,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (device, key_id)
                );
                INSERT INTO one_time_pre_keys_v2 (device, key_id, public_key, consumed, seq)
                SELECT d.id, o.key_id, o.public_key, o.consumed, o.seq
                FROM one_time_pre_keys AS o JOIN devices AS d ON d.device_id = o.device_id;
                CREATE TABLE message_keys_v2 (
                    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                    device TEXT NOT NULL REFERENCES devices_v2 (id) ON DELETE CASCADE,
                    encrypted_key BLOB NOT NULL,
                    PRIMARY KEY (message_id, device)
                );
                INSERT INTO message_keys_v2 (message_id, device, encrypted_key)
                SELECT k.message_id, d.id, k.encrypted_key
                FROM message_keys AS k JOIN devices AS d ON d.device_id = k.device_id;
                DROP TABLE message_keys;
                DROP TABLE one_time_pre_keys;
                DROP TABLE signed_pre_keys;
                DROP TABLE devices;
                ALTER TABLE devices_v2 RENAME TO devices;
                ALTER TABLE signed_pre_keys_v2 RENAME TO signed_pre_keys;
                ALTER TABLE one_time_pre_keys_v2 RENAME TO one_time_pre_keys;
                ALTER TABLE message_keys_v2 RENAME TO message_keys;
                CREATE INDEX devices_by_user ON devices (user_id, seq);
                CREATE INDEX message_keys_by_device ON message_keys (device);
                """),
        // Every one-time pre-key batch, accepted or refused, for tests of clients that share a store: what the
        // device held after it, and for a batch refused because a key id was taken, how long before the taken key
        // had been uploaded (two processes uploading the same keys at once clash within moments).
        Migration(
            version: 3,
            sql: """
                ALTER TABLE one_time_pre_keys ADD COLUMN uploaded_at TEXT;
                CREATE TABLE one_time_pre_key_uploads (
                    device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
                    uploaded_at TEXT NOT NULL,
                    keys INTEGER NOT NULL,
                    unconsumed_after INTEGER NOT NULL,
                    clash_age_ms INTEGER
                );
                """),
    ]

    /// The current time as an RFC 3339 timestamp.
    static func now() throws(DevServerError) -> Timestamp {
        Timestamp(Date.now)
    }

    /// A stored RFC 3339 text as a ``Timestamp``.
    static func timestamp(_ text: String) throws(DevServerError) -> Timestamp {
        guard let stamp = Timestamp(rfc3339: text) else { throw .internalError("a stored time is not RFC 3339") }
        return stamp
    }

    /// A stored UUID text as a `UUID`.
    static func uuid(_ text: String) throws(DevServerError) -> UUID {
        guard let id = UUID(uuidString: text) else { throw .internalError("a stored id is not a UUID") }
        return id
    }

    /// Runs `body` in one write transaction, mapping store failures to `INTERNAL_ERROR`.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws(DevServerError) -> T {
        do {
            return try store.write(body)
        } catch let error as DevServerError {
            throw error
        } catch {
            throw .internalError("storage failed: \(error)")
        }
    }

    /// The users who share a DM channel with `user`, not counting `user`.
    func peers(of user: UUID, in db: SQLiteConnection) throws -> Set<UUID> {
        let rows = try db.query(
            """
            SELECT DISTINCT other.user_id AS user_id FROM dm_participants AS mine
            JOIN dm_participants AS other ON other.channel_id = mine.channel_id
            WHERE mine.user_id = ? AND other.user_id != mine.user_id
            """, [.text(user.wireText)])
        return Set(try rows.map { row in try Self.uuid(try row.text("user_id")) })
    }
}

extension UUID {
    /// The lowercase canonical text the wire and the database use.
    var wireText: String { uuidString.lowercased() }
}
