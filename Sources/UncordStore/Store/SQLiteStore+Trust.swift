public import Foundation
import UncordCrypto
public import UncordProtocol
public import UncordRatchet
import UncordSQLite

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

    /// The users this device knows (pinned an account key of, or judged a device list of), this user included when
    /// its own devices were judged, in id order.
    public func peerUsers() throws -> [UUID] {
        try connection.read { db in
            try db.query(
                """
                SELECT user_id FROM peers UNION SELECT user_id FROM device_authorizations ORDER BY user_id
                """
            ).map { try view(db).uuid($0.text("user_id"), "peers.user_id") }
        }
    }

    /// The account key pinned for `user`, or `nil` when none is (this user's own key is never pinned here).
    public func peerIdentity(of user: UUID) throws -> PeerIdentityRecord? {
        try connection.read { db in
            guard
                let row = try db.queryOne(
                    """
                    SELECT identity_key, trust, send_blocked, pending_key, first_seen_at, verified_at, changed_at
                    FROM peer_identities WHERE user_id = ?
                    """, [.text(user.lowercased)])
            else { return nil }
            let view = view(db)
            return PeerIdentityRecord(
                user: user, identityKey: try view.publicKey(row.blob("identity_key"), "peer_identities.identity_key"),
                trust: try view.trustLevel(row.text("trust"), "peer_identities.trust"),
                sendBlocked: try row.integer("send_blocked") != 0,
                pendingKey: try row.optionalBlob("pending_key").map {
                    try view.publicKey($0, "peer_identities.pending_key")
                },
                firstSeenAt: try view.timestamp(row.text("first_seen_at"), "peer_identities.first_seen_at"),
                verifiedAt: try row.optionalText("verified_at").map {
                    try view.timestamp($0, "peer_identities.verified_at")
                },
                changedAt: try row.optionalText("changed_at").map {
                    try view.timestamp($0, "peer_identities.changed_at")
                })
        }
    }

    /// Every listed device of `user` as last judged (LINKED_DEVICES.md A2), in device id order.
    public func deviceAuthorizations(of user: UUID) throws -> [DeviceAuthorizationRecord] {
        try connection.read { db in
            try view(db).deviceAuthorizations(of: user)
        }
    }

    /// The device ids listed for any user but `user` (judged, or cached as a device list): a list that names one of
    /// them for `user` is lying.
    public func deviceIDs(ofUsersOtherThan user: UUID) throws -> Set<UUID> {
        try connection.read { db in
            Set(
                try db.query(
                    """
                    SELECT device_id FROM device_authorizations WHERE user_id != ?1
                    UNION SELECT device_id FROM peer_device_lists WHERE user_id != ?1
                    """, [.text(user.lowercased)]
                ).map { try view(db).uuid($0.text("device_id"), "device_authorizations.device_id") })
        }
    }

    /// Sets the trust of `user`'s pinned account key (verification) and whether sending to the user is blocked.
    /// - Throws: ``StoreError/misuse(_:)`` when no key is pinned for `user`.
    public func setTrust(_ trust: PinnedIdentity.Level, sendBlocked: Bool, of user: UUID) throws {
        try connection.write { db in
            let stamp = Timestamp(now, precision: .milliseconds).text
            guard try view(db).updateTrust(trust, sendBlocked: sendBlocked, of: user, stamp: stamp) else {
                throw StoreError.misuse("no key is pinned for this user")
            }
        }
    }

    /// Accepts a change of `user`'s account key, in one transaction: a pending key becomes the pin (`unverified`),
    /// or a `changed` pin becomes `unverified`; sending is no longer blocked, the user's sessions are archived
    /// when the pin moved, and the user's device list is marked stale so the next send judges it again.
    /// - Returns: `false` when there was nothing to accept (nothing changed).
    public func acceptIdentityChange(of user: UUID) throws -> Bool {
        try connection.write { db in
            let view = view(db)
            guard
                let row = try db.queryOne(
                    "SELECT trust, send_blocked, pending_key FROM peer_identities WHERE user_id = ?",
                    [.text(user.lowercased)])
            else { return false }
            let stamp = Timestamp(now, precision: .milliseconds).text
            if let pending = try row.optionalBlob("pending_key") {
                let key = try view.publicKey(pending, "peer_identities.pending_key")
                try view.upsertPin(key, of: user, trust: .unverified, sendBlocked: false, stamp: stamp)
                try archiveSessions(ofUser: user, db: db, stamp: stamp)
            } else {
                guard try row.text("trust") == PinnedIdentity.Level.changed.rawValue || row.integer("send_blocked") != 0
                else { return false }
                _ = try view.updateTrust(.unverified, sendBlocked: false, of: user, stamp: stamp)
            }
            try db.run("UPDATE peers SET devices_fetched_at = NULL WHERE user_id = ?", [.text(user.lowercased)])
            return true
        }
    }

    /// Judges one device-list answer for `bundle.userID` (LINKED_DEVICES.md A2) and writes the whole outcome in one
    /// transaction: the pin (first contact, a re-pin, or a pending change that blocks sending), the user's
    /// sessions archived on a change, every device's verdict, refused devices' sessions archived, and the cached
    /// list of authorized devices (kept only while sending is allowed). Stores made before account keys pick
    /// their pin among the user's candidate keys first (A5).
    /// - Parameters:
    ///   - bundle: the answer, without this device and without devices known to belong to other users. This
    ///     user's own list is judged against this device's identity key and never re-pinned.
    ///   - unverifiedChanges: what a changed account key of a user who was not verified does: warn and re-pin, or
    ///     block sending until the change is accepted.
    /// - Returns: the verdicts and what the app should hear of (each refusal once per device and key, each newly
    ///   authorized own device, a trust warning).
    public func judgeDeviceList(
        _ bundle: UserKeyBundle, unverifiedChanges: TrustOnFirstUse.ChangeHandling
    ) throws -> DeviceListJudgement {
        try connection.write { db in
            let view = view(db)
            let stamp = Timestamp(now, precision: .milliseconds).text
            let user = bundle.userID
            let local = try view.localIdentity()
            let ownAccount = user == local.address.user
            let previous = try view.pinnedIdentity(for: DeviceAddress(user: user, device: local.address.device))
            let record = ownAccount ? nil : try peerIdentityRow(user, view: view)
            var pinned = previous
            if pinned == nil, !ownAccount {
                pinned = try candidatePin(for: user, devices: bundle.devices, view: view)
            }
            let authorization = DeviceAuthorization.judge(
                bundle.devices, of: user, pinned: pinned, unverifiedChanges: unverifiedChanges,
                ownAccount: ownAccount)

            var judgement = DeviceListJudgement(authorization: authorization, previousPin: pinned)
            var pinWritten = false
            if !ownAccount {
                pinWritten = try applyOutcome(
                    authorization, pinned: pinned, record: record, user: user, view: view, stamp: stamp,
                    judgement: &judgement)
            }
            let before = Dictionary(
                try view.deviceAuthorizations(of: user).map { ($0.address.device, $0) },
                uniquingKeysWith: { first, _ in first })
            for device in authorization.devices {
                let earlier = before[device.deviceID]
                let unchanged = earlier?.identityKey == device.bundle.identityKey
                switch device.state {
                case .authorized:
                    if ownAccount, !(unchanged && earlier?.state == .authorized) {
                        judgement.newlyLinkedOwnDevices.append(device.deviceID)
                    }
                case .refused(let reason):
                    if !(unchanged && earlier?.state == .refused(reason)) { judgement.newlyRefused.append(device) }
                }
            }
            // A list that neither allows sending nor moves the pin changes nothing stored: refusing it is the whole
            // answer (the engine reports each refusal once).
            guard judgement.sendAllowed || pinWritten else { return judgement }

            try view.ensurePeer(user)
            try db.run("DELETE FROM device_authorizations WHERE user_id = ?", [.text(user.lowercased)])
            for device in authorization.devices {
                if case .refused = device.state {
                    try archiveSessions(
                        of: DeviceAddress(user: user, device: device.deviceID), db: db, stamp: stamp)
                }
                let columns = device.state.columns
                try db.run(
                    """
                    INSERT OR REPLACE INTO device_authorizations
                        (user_id, device_id, identity_key, state, reason, judged_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(user.lowercased), .text(device.deviceID.lowercased), .blob(device.bundle.identityKey),
                        .text(columns.state), columns.reason.map { .text($0) } ?? .null, .text(stamp),
                    ])
            }

            try db.run("DELETE FROM peer_device_lists WHERE user_id = ?", [.text(user.lowercased)])
            if judgement.sendAllowed {
                for device in authorization.authorizedDevices {
                    try db.run(
                        "INSERT OR IGNORE INTO peer_device_lists (user_id, device_id) VALUES (?, ?)",
                        [.text(user.lowercased), .text(device.deviceID.lowercased)])
                }
                try db.run(
                    "UPDATE peers SET devices_fetched_at = ? WHERE user_id = ?", [.text(stamp), .text(user.lowercased)])
            } else {
                try db.run("UPDATE peers SET devices_fetched_at = NULL WHERE user_id = ?", [.text(user.lowercased)])
            }
            return judgement
        }
    }

    /// Writes what the outcome does to a peer's pin.
    private func applyOutcome(
        _ authorization: DeviceAuthorization, pinned: PinnedIdentity?, record: (blocked: Bool, pending: [UInt8]?)?,
        user: UUID, view: StoreTransaction, stamp: String, judgement: inout DeviceListJudgement
    ) throws -> Bool {
        let db = view.db
        let blockedBefore = record?.blocked ?? false
        switch authorization.outcome {
        case .keep:
            judgement.sendAllowed = authorization.sendAllowed && !blockedBefore
            if let pinned, record == nil, authorization.sendAllowed {
                // A candidate chosen by this list (A5) becomes the pin, with its trust.
                try view.upsertPin(pinned.key, of: user, trust: pinned.level, sendBlocked: false, stamp: stamp)
                try db.run("DELETE FROM peer_identity_candidates WHERE user_id = ?", [.text(user.lowercased)])
                return true
            }
            return false
        case .pinned(let key):
            try view.upsertPin(key, of: user, trust: .unverified, sendBlocked: false, stamp: stamp)
            try db.run("DELETE FROM peer_identity_candidates WHERE user_id = ?", [.text(user.lowercased)])
            judgement.sendAllowed = authorization.sendAllowed
            return true
        case .changed(let key):
            try db.run("DELETE FROM peer_identity_candidates WHERE user_id = ?", [.text(user.lowercased)])
            if authorization.repinned && !blockedBefore {
                try view.upsertPin(key, of: user, trust: .changed, sendBlocked: false, stamp: stamp)
                try archiveSessions(ofUser: user, db: db, stamp: stamp)
                judgement.warning = .init(previous: pinned?.key, current: key, sendingBlocked: false)
                judgement.sendAllowed = authorization.sendAllowed
                return true
            } else {
                if let pinned, record == nil {
                    try view.upsertPin(pinned.key, of: user, trust: pinned.level, sendBlocked: true, stamp: stamp)
                }
                if record?.pending != key.bytes {
                    try db.run(
                        "UPDATE peer_identities SET pending_key = ?, send_blocked = 1, changed_at = ? WHERE user_id = ?",
                        [.blob(key.bytes), .text(stamp), .text(user.lowercased)])
                    try archiveSessions(ofUser: user, db: db, stamp: stamp)
                    judgement.warning = .init(previous: pinned?.key, current: key, sendingBlocked: true)
                }
                judgement.sendAllowed = false
                return true
            }
        case .ambiguous:
            judgement.warning = .init(previous: pinned?.key, current: nil, sendingBlocked: true)
            judgement.sendAllowed = false
            return false
        }
    }

    /// The pin a store made before account keys picks for `user` among its candidate keys (A5): the one candidate
    /// key carried by the devices that verify under their own key; when none is, the most trusted candidate (so a
    /// new key is judged as a change of it); `nil` when several are, or there is no candidate.
    private func candidatePin(for user: UUID, devices: [DeviceKeyBundle], view: StoreTransaction) throws
        -> PinnedIdentity?
    {
        let candidates = try view.db.query(
            "SELECT identity_key, trust FROM peer_identity_candidates WHERE user_id = ? ORDER BY identity_key",
            [.text(user.lowercased)]
        ).map {
            PinnedIdentity(
                key: try view.publicKey($0.blob("identity_key"), "peer_identity_candidates.identity_key"),
                level: try view.trustLevel($0.text("trust"), "peer_identity_candidates.trust"))
        }
        guard !candidates.isEmpty else { return nil }
        let carried = Set(
            devices.filter { device in
                guard let key = try? X25519.PublicKey(bytes: device.identityKey) else { return false }
                return (try? PreKeyBundle(user: user, device: device).verifySignature()) != nil
                    && candidates.contains { $0.key == key }
            }.map(\.identityKey))
        switch carried.count {
        case 1: return candidates.first { $0.key.bytes == carried.first }
        case 0:
            func rank(_ level: PinnedIdentity.Level) -> Int {
                switch level {
                case .verified: 0
                case .changed: 1
                case .unverified: 2
                }
            }
            return candidates.min { rank($0.level) < rank($1.level) }
        default: return nil
        }
    }

    private func peerIdentityRow(_ user: UUID, view: StoreTransaction) throws -> (blocked: Bool, pending: [UInt8]?)? {
        guard
            let row = try view.db.queryOne(
                "SELECT send_blocked, pending_key FROM peer_identities WHERE user_id = ?", [.text(user.lowercased)])
        else { return nil }
        return (try row.integer("send_blocked") != 0, try row.optionalBlob("pending_key"))
    }

    func archiveSessions(ofUser user: UUID, db: SQLiteConnection, stamp: String) throws {
        try db.run(
            "UPDATE sessions SET archived_at = coalesce(archived_at, ?) WHERE peer_user = ? AND position = 0",
            [.text(stamp), .text(user.lowercased)])
    }

    func archiveSessions(of address: DeviceAddress, db: SQLiteConnection, stamp: String) throws {
        try db.run(
            """
            UPDATE sessions SET archived_at = coalesce(archived_at, ?)
            WHERE peer_user = ? AND peer_device = ? AND position = 0
            """, [.text(stamp), .text(address.user.lowercased), .text(address.device.lowercased)])
    }

    /// When the device list of `user` was last fetched, or `nil` when it was never fetched or was marked stale.
    public func deviceListFetchedAt(of user: UUID) throws -> Date? {
        try connection.read { db in
            guard
                let text = try db.queryOne(
                    "SELECT devices_fetched_at FROM peers WHERE user_id = ?", [.text(user.lowercased)]
                )?.optionalText("devices_fetched_at")
            else { return nil }
            return try view(db).timestamp(text, "peers.devices_fetched_at")
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

extension StoreTransaction {
    func deviceAuthorizations(of user: UUID) throws -> [DeviceAuthorizationRecord] {
        try db.query(
            """
            SELECT device_id, identity_key, state, reason, judged_at FROM device_authorizations
            WHERE user_id = ? ORDER BY device_id
            """, [.text(user.lowercased)]
        ).map { row in
            guard
                let state = DeviceAuthorization.State(
                    state: try row.text("state"), reason: try row.optionalText("reason"))
            else {
                throw StoreError.typeMismatch(
                    column: "device_authorizations.state", expected: "a device state", found: "other text")
            }
            return DeviceAuthorizationRecord(
                address: DeviceAddress(user: user, device: try uuid(row.text("device_id"), "device_authorizations")),
                identityKey: try row.blob("identity_key"), state: state,
                judgedAt: try timestamp(row.text("judged_at"), "device_authorizations.judged_at"))
        }
    }

    /// A stored RFC 3339 time; text that is not one throws instead of being taken for no time.
    func timestamp(_ text: String, _ column: String) throws -> Date {
        guard let date = Timestamp(rfc3339: text)?.date else {
            throw StoreError.typeMismatch(column: column, expected: "RFC 3339 time", found: "other text")
        }
        return date
    }
}
