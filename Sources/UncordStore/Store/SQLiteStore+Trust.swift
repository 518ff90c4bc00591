public import Foundation
public import UncordCrypto
public import UncordRatchet

/// A pinned peer device as the store keeps it: identity key, trust level and whether sending to its user is
/// blocked until a key change is accepted (PROTOCOL.md section 8).
public struct PeerDeviceRecord: Sendable, Equatable {
    /// The device's user and device ids.
    public var address: DeviceAddress
    /// The pinned identity key.
    public var identityKey: X25519.PublicKey
    /// How far the key is trusted.
    public var trust: PinnedIdentity.Level
    /// `true` while a key change waits for the user to accept it and the policy refuses sending until then.
    public var sendBlocked: Bool
    /// When the device was first pinned.
    public var firstSeenAt: Date?
    /// When the device was last marked verified (kept after a later change, so read it with ``trust``).
    public var verifiedAt: Date?
    /// When the device's identity key last changed.
    public var changedAt: Date?

    /// A record from its parts.
    public init(
        address: DeviceAddress, identityKey: X25519.PublicKey, trust: PinnedIdentity.Level, sendBlocked: Bool,
        firstSeenAt: Date? = nil, verifiedAt: Date? = nil, changedAt: Date? = nil
    ) {
        self.address = address
        self.identityKey = identityKey
        self.trust = trust
        self.sendBlocked = sendBlocked
        self.firstSeenAt = firstSeenAt
        self.verifiedAt = verifiedAt
        self.changedAt = changedAt
    }
}

extension SQLiteStore {
    // MARK: Registration

    /// Whether the server has accepted this device's registration.
    public func isRegistered() throws -> Bool {
        try connection.read { db in
            try db.queryOne("SELECT registered FROM local_device WHERE id = 1")?.integer("registered") == 1
        }
    }

    /// Records that the server accepted this device's registration (with its current identity key).
    public func markRegistered() throws {
        try connection.write { db in
            try db.run("UPDATE local_device SET registered = 1, identity_published = 1 WHERE id = 1")
        }
    }

    /// Whether the current signed pre-key was accepted by the server.
    public func isCurrentSignedPreKeyPublished() throws -> Bool {
        try connection.read { db in
            try db.queryOne(
                "SELECT published FROM signed_pre_keys WHERE retired_at IS NULL ORDER BY key_id DESC LIMIT 1"
            )?.integer("published") == 1
        }
    }

    /// Records that the server accepted the signed pre-key with this id (after its 204).
    public func markSignedPreKeyPublished(id: UInt32) throws {
        try connection.write { db in
            try db.run("UPDATE signed_pre_keys SET published = 1 WHERE key_id = ?", [.integer(Int64(id))])
        }
    }

    // MARK: Peers and trust

    /// The users this device knows (pinned a device of, or fetched a device list of), in id order.
    public func peerUsers() throws -> [UUID] {
        try connection.read { db in
            try db.query("SELECT user_id FROM peers ORDER BY user_id").map {
                try view(db).uuid($0.text("user_id"), "peers.user_id")
            }
        }
    }

    /// The pinned devices of `user`, in device id order.
    public func peerDevices(of user: UUID) throws -> [PeerDeviceRecord] {
        try connection.read { db in
            try db.query(
                """
                SELECT device_id, identity_key, trust, send_blocked, first_seen_at, verified_at, changed_at
                FROM peer_devices WHERE user_id = ? ORDER BY device_id
                """, [.text(user.lowercased)]
            ).map { row in
                let transaction = view(db)
                let level: PinnedIdentity.Level
                switch try row.text("trust") {
                case "verified": level = .verified
                case "changed": level = .changed
                default: level = .unverified
                }
                return PeerDeviceRecord(
                    address: DeviceAddress(
                        user: user, device: try transaction.uuid(row.text("device_id"), "peer_devices.device_id")),
                    identityKey: try transaction.publicKey(row.blob("identity_key"), "peer_devices.identity_key"),
                    trust: level, sendBlocked: try row.integer("send_blocked") != 0,
                    firstSeenAt: Timestamp.parse(try row.text("first_seen_at")),
                    verifiedAt: try row.optionalText("verified_at").flatMap(Timestamp.parse),
                    changedAt: try row.optionalText("changed_at").flatMap(Timestamp.parse))
            }
        }
    }

    /// Pins `key` for `address` with `trust`, replacing any earlier pin, and sets whether sending to its user is
    /// blocked. Used for key changes learnt outside a send or receive, for verification and for accepting a change.
    public func pin(
        _ key: X25519.PublicKey, for address: DeviceAddress, trust: PinnedIdentity.Level, sendBlocked: Bool
    ) throws {
        try connection.write { db in
            let level: String
            switch trust {
            case .unverified: level = "unverified"
            case .verified: level = "verified"
            case .changed: level = "changed"
            }
            try db.run("INSERT OR IGNORE INTO peers (user_id) VALUES (?)", [.text(address.user.lowercased)])
            try db.run(
                """
                INSERT INTO peer_devices
                    (user_id, device_id, identity_key, trust, first_seen_at, verified_at, changed_at, send_blocked)
                VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?4 = 'verified' THEN ?5 END, CASE WHEN ?4 = 'changed' THEN ?5 END,
                    ?6)
                ON CONFLICT (user_id, device_id) DO UPDATE SET
                    identity_key = excluded.identity_key,
                    trust = excluded.trust,
                    send_blocked = excluded.send_blocked,
                    verified_at = CASE WHEN excluded.trust = 'verified' THEN ?5 ELSE verified_at END,
                    changed_at = CASE WHEN excluded.trust = 'changed' THEN ?5 ELSE changed_at END
                """,
                [
                    .text(address.user.lowercased), .text(address.device.lowercased), .blob(key.bytes), .text(level),
                    .text(Timestamp.format(now)), .integer(sendBlocked ? 1 : 0),
                ])
        }
    }

    /// When the device list of `user` was last fetched, or `nil` when it was never fetched or was marked stale.
    public func deviceListFetchedAt(of user: UUID) throws -> Date? {
        try connection.read { db in
            guard
                let text = try db.queryOne(
                    "SELECT devices_fetched_at FROM peers WHERE user_id = ?", [.text(user.lowercased)]
                )?.optionalText("devices_fetched_at")
            else { return nil }
            return Timestamp.parse(text)
        }
    }

    /// Marks every cached device list stale, so that the next send to each user fetches it again.
    public func markAllDeviceListsStale() throws {
        try connection.write { db in try db.run("UPDATE peers SET devices_fetched_at = NULL") }
    }

    /// Marks the cached device list of `user` stale, so that the next send fetches it again.
    public func markDeviceListStale(of user: UUID) throws {
        try connection.write { db in
            try db.run("UPDATE peers SET devices_fetched_at = NULL WHERE user_id = ?", [.text(user.lowercased)])
        }
    }
}
