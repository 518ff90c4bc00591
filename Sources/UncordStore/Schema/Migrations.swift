/// The store's schema, as append-only migrations: a shipped migration is never edited; a change is a new one.
/// Columns marked `-- sealed` hold ``Sealer`` output only. `Docs/STORAGE.md` explains each table.
enum StoreSchema {
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            sql: """
                CREATE TABLE metadata (
                    key TEXT PRIMARY KEY,
                    value BLOB NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE local_device (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    user_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    label TEXT,
                    identity_public BLOB NOT NULL,
                    identity_private BLOB NOT NULL,            -- sealed
                    registered INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL
                );

                CREATE TABLE signed_pre_keys (
                    key_id INTEGER PRIMARY KEY CHECK (key_id BETWEEN 1 AND 2147483647),
                    public_key BLOB NOT NULL,
                    private_key BLOB NOT NULL,                 -- sealed
                    signature BLOB NOT NULL,
                    published INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    retired_at TEXT
                );

                CREATE TABLE one_time_pre_keys (
                    key_id INTEGER PRIMARY KEY CHECK (key_id BETWEEN 1 AND 2147483647),
                    public_key BLOB NOT NULL,
                    private_key BLOB NOT NULL,                 -- sealed
                    state TEXT NOT NULL CHECK (state IN ('pending', 'published')),
                    created_at TEXT NOT NULL
                );

                CREATE TABLE peers (
                    user_id TEXT PRIMARY KEY,
                    devices_fetched_at TEXT
                ) WITHOUT ROWID;

                CREATE TABLE peer_devices (
                    user_id TEXT NOT NULL REFERENCES peers (user_id) ON DELETE CASCADE,
                    device_id TEXT NOT NULL,
                    identity_key BLOB NOT NULL,
                    trust TEXT NOT NULL CHECK (trust IN ('unverified', 'verified', 'changed')),
                    first_seen_at TEXT NOT NULL,
                    verified_at TEXT,
                    changed_at TEXT,
                    PRIMARY KEY (user_id, device_id)
                ) WITHOUT ROWID;

                CREATE TABLE peer_device_lists (
                    user_id TEXT NOT NULL REFERENCES peers (user_id) ON DELETE CASCADE,
                    device_id TEXT NOT NULL,
                    PRIMARY KEY (user_id, device_id)
                ) WITHOUT ROWID;

                CREATE TABLE sessions (
                    id INTEGER PRIMARY KEY,
                    peer_user TEXT NOT NULL,
                    peer_device TEXT NOT NULL,
                    base_key BLOB NOT NULL,
                    position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 5),
                    state BLOB NOT NULL,                       -- sealed
                    created_at TEXT NOT NULL,
                    UNIQUE (peer_user, peer_device, base_key)
                );
                CREATE INDEX sessions_by_peer ON sessions (peer_user, peer_device, position);

                CREATE TABLE skipped_message_keys (
                    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                    ratchet_key BLOB NOT NULL,
                    message_number INTEGER NOT NULL,
                    message_key BLOB NOT NULL,                 -- sealed
                    eviction_order INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (session_id, ratchet_key, message_number)
                ) WITHOUT ROWID;

                CREATE TABLE messages (
                    id TEXT PRIMARY KEY,
                    channel_id TEXT NOT NULL,
                    author_user TEXT NOT NULL,
                    author_device TEXT NOT NULL,
                    payload BLOB NOT NULL,                     -- sealed
                    received_at TEXT NOT NULL,
                    edited_at TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE INDEX messages_by_channel ON messages (channel_id, received_at);

                CREATE TABLE message_edits (
                    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                    revision INTEGER NOT NULL,
                    payload BLOB NOT NULL,                     -- sealed
                    edited_at TEXT NOT NULL,
                    PRIMARY KEY (message_id, revision)
                ) WITHOUT ROWID;

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,      -- never reused: sealed values are bound to it
                    channel_id TEXT NOT NULL,
                    request BLOB NOT NULL,                     -- sealed: the exact POST body, resent as is
                    created_at TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0
                );
                """
        ),
        Migration(
            version: 2,
            sql: """
                ALTER TABLE peer_devices ADD COLUMN send_blocked INTEGER NOT NULL DEFAULT 0;
                """
        ),
        Migration(
            version: 3,
            sql: """
                ALTER TABLE outbox ADD COLUMN payload BLOB;    -- sealed: the plaintext payload; NULL in older rows
                """
        ),
        Migration(
            version: 4,
            sql: """
                CREATE TABLE channel_members (                 -- who is known to be in each DM channel
                    channel_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    PRIMARY KEY (channel_id, user_id)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO channel_members (channel_id, user_id)
                    SELECT DISTINCT channel_id, author_user FROM messages;
                """
        ),
        Migration(
            version: 5,
            sql: """
                ALTER TABLE sessions ADD COLUMN archived_at TEXT;  -- on the active session after a reset: send anew
                ALTER TABLE local_device ADD COLUMN identity_published INTEGER NOT NULL DEFAULT 1;
                """
        ),
        Migration(
            version: 6,
            sql: """
                CREATE INDEX skipped_message_keys_by_age      -- a session's oldest keys, evicted first
                    ON skipped_message_keys (session_id, eviction_order);
                """
        ),
    ]

    /// The newest schema version this build knows.
    static var currentVersion: Int { migrations.map(\.version).max() ?? 0 }
}
