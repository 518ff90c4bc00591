import UncordSQLite

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
        // Account identity keys (LINKED_DEVICES.md): one pinned key per user, each listed device authorized or
        // refused against it. A user whose pinned devices all carried one key keeps it as the pin; a user with
        // several keys keeps them as candidates until a device list picks one (A5). Every list is judged anew.
        Migration(
            version: 7,
            sql: """
                CREATE TABLE peer_identities (                 -- the account key pinned for each peer user (A3)
                    user_id TEXT PRIMARY KEY,
                    identity_key BLOB NOT NULL,
                    trust TEXT NOT NULL CHECK (trust IN ('unverified', 'verified', 'changed')),
                    send_blocked INTEGER NOT NULL DEFAULT 0,
                    pending_key BLOB,                          -- a change held until accepted (A2 rule 2)
                    first_seen_at TEXT NOT NULL,
                    verified_at TEXT,
                    changed_at TEXT
                ) WITHOUT ROWID;

                CREATE TABLE peer_identity_candidates (        -- device keys pinned before account keys (A5)
                    user_id TEXT NOT NULL,
                    identity_key BLOB NOT NULL,
                    trust TEXT NOT NULL CHECK (trust IN ('unverified', 'verified', 'changed')),
                    PRIMARY KEY (user_id, identity_key)
                ) WITHOUT ROWID;

                CREATE TABLE device_authorizations (           -- every listed device as last judged (A2)
                    user_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    identity_key BLOB NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('authorized', 'refused')),
                    reason TEXT CHECK (reason IN ('foreignIdentityKey', 'invalidSignedPreKeySignature',
                        'duplicateDeviceId')),
                    judged_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, device_id)
                ) WITHOUT ROWID;

                CREATE TABLE accepted_base_keys (              -- sessions peers started, until their SPK's grace ends
                    peer_user TEXT NOT NULL,
                    peer_device TEXT NOT NULL,
                    base_key BLOB NOT NULL,
                    signed_pre_key_id INTEGER NOT NULL,
                    accepted_at TEXT NOT NULL,
                    PRIMARY KEY (peer_user, peer_device, base_key)
                ) WITHOUT ROWID;

                INSERT INTO peer_identities
                    (user_id, identity_key, trust, send_blocked, first_seen_at, verified_at, changed_at)
                SELECT user_id, identity_key,
                    CASE WHEN max(trust = 'changed') THEN 'changed' WHEN max(trust = 'verified') THEN 'verified'
                        ELSE 'unverified' END,
                    max(send_blocked), min(first_seen_at), max(verified_at), max(changed_at)
                FROM peer_devices
                WHERE user_id != (SELECT user_id FROM local_device WHERE id = 1)
                GROUP BY user_id HAVING count(DISTINCT identity_key) = 1;

                INSERT OR IGNORE INTO peer_identity_candidates (user_id, identity_key, trust)
                SELECT user_id, identity_key, trust FROM peer_devices
                WHERE user_id != (SELECT user_id FROM local_device WHERE id = 1)
                    AND user_id NOT IN (SELECT user_id FROM peer_identities);

                CREATE TABLE pending_link (                    -- a new device waiting for its link (A4)
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    device_id TEXT NOT NULL,
                    user_id TEXT,
                    label TEXT,
                    ephemeral_private BLOB,                    -- sealed; NULL once wiped
                    shown_at REAL NOT NULL,                    -- seconds on the boot clock when R was shown
                    shown_wall_at TEXT NOT NULL                -- and the wall-clock time (a reboot resets the first)
                );

                CREATE TABLE channel_kinds (                   -- 'dm' (1:1: two members, fixed) or 'group_dm'
                    channel_id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE pending_members (                 -- authors new to a group DM, not wrapped for until
                    channel_id TEXT NOT NULL,                  -- the app confirms them
                    user_id TEXT NOT NULL,
                    seen_at TEXT NOT NULL,
                    PRIMARY KEY (channel_id, user_id)
                ) WITHOUT ROWID;

                ALTER TABLE messages ADD COLUMN removed_by_server INTEGER NOT NULL DEFAULT 0;

                DROP TABLE peer_devices;
                DELETE FROM peer_device_lists;
                UPDATE peers SET devices_fetched_at = NULL;
                """
        ),
        // Signing in (uncord-keys login): the account and its tokens on the one server this device belongs to. A
        // restored backup drops the row, so a spent refresh token is never presented again.
        Migration(
            version: 8,
            sql: """
                CREATE TABLE server_credentials (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    server_url TEXT NOT NULL,
                    email TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    tokens BLOB NOT NULL,                      -- sealed: the access and the refresh token
                    access_expires_at TEXT,                    -- the access token's expiry when it names one
                    updated_at TEXT NOT NULL
                );
                """
        ),
        // Several processes share a store (issue 15): work that must run in one of them at a time — pre-key top-ups,
        // signed pre-key rotation, catch-up, token refreshes — takes a lease first. A holder that dies loses it when
        // it expires.
        Migration(
            version: 9,
            sql: """
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,                      -- a random id per engine (process)
                    expires_at REAL NOT NULL                   -- seconds since 1970 on the wall clock
                ) WITHOUT ROWID;
                """
        ),
        // Issue 16. A post the server holds twice (a send retried after its answer was lost) is recognised by
        // what the server keeps of it: SHA-256 of its `content` text and of this device's key wrap, bytes the server
        // holds anyway; looked for only when a message cannot be opened, so it needs no index of its own. Automatic
        // session recovery is limited per device through the time of the last one.
        Migration(
            version: 10,
            sql: """
                ALTER TABLE messages ADD COLUMN content_digest BLOB;
                CREATE TABLE session_recoveries (
                    peer_user TEXT NOT NULL,
                    peer_device TEXT NOT NULL,
                    started_at REAL NOT NULL,                  -- seconds since 1970 on the store's clock
                    PRIMARY KEY (peer_user, peer_device)
                ) WITHOUT ROWID;
                """
        ),
    ]

    /// The newest schema version this build knows.
    static var currentVersion: Int { migrations.map(\.version).max() ?? 0 }
}
