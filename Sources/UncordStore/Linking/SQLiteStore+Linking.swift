public import Foundation
public import UncordCrypto
import UncordProtocol
public import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// The new device's first step of linking (LINKED_DEVICES.md A4): creates the store in a waiting state — a new
    /// device id and ephemeral key `E_n`, sealed like every secret — and returns the request `R` to show. A store
    /// already waiting gets a new request (the old `E_n` is wiped, so a response to it is refused). Until
    /// ``completeLink(_:at:key:oneTimePreKeys:)``, the store opens for nothing else.
    ///
    /// ```swift
    /// let request = try SQLiteStore.requestLink(at: path, user: me, label: "phone", key: .passphrase(words))
    /// show(request.text, request.linkCode)   // and its QR code
    /// ```
    /// - Parameters:
    ///   - path: where the new device's store is (created when missing).
    ///   - user: the account this device logs in with; a response for another account is refused. `nil` keeps the
    ///     account an earlier request of this store named, else takes the one the response names.
    ///   - label: the device's label, shown to the user's other devices.
    ///   - source: the store's key.
    ///   - random: where the device id and the ephemeral key come from.
    ///   - bootClock: the clock that dates the request for its 10 minutes of life (it cannot be set back by hand).
    ///   - wallClock: the wall clock, which dates it across a reboot.
    /// - Throws: ``StoreError/alreadyInitialized`` when the file holds a device already; store errors.
    public static func requestLink(
        at path: String, user: UUID?, label: String? = nil, key source: StoreKeySource,
        random: any RandomSource = SystemRandom(), bootClock: @Sendable () -> Double = BootClock.seconds,
        wallClock: @Sendable () -> Date = { Date() }
    ) throws -> LinkRequest {
        let store: SQLiteStore
        if FileManager.default.fileExists(atPath: path),
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) ?? 0 > 0
        {
            store = try open(at: path, key: source, random: random, waitingForLink: true)
        } else {
            let connection = try StoreConnection(path: path, options: .init(sharing: .shared))
            store = try connection.write { db throws -> SQLiteStore in
                guard try db.userVersion == 0, try db.queryOne("SELECT 1 FROM sqlite_master LIMIT 1") == nil else {
                    throw StoreError.alreadyInitialized
                }
                try db.migrate(StoreSchema.migrations)
                let key = try Self.writeKeyMetadata(db, source, random: random)
                try setMetadata(db, "created_at", .text(Timestamp(Date(), precision: .milliseconds).text))
                return SQLiteStore(
                    connection: connection, sealer: Sealer(key: key, random: random), random: random, clock: { Date() })
            }
        }
        let device = UUID()
        let ephemeral = X25519.PrivateKey.generate(using: random)
        try store.connection.write { db in
            let sealed = try store.sealer.seal(
                ephemeral.secret, for: .linkEphemeral(device: device))
            try db.run(
                """
                INSERT OR REPLACE INTO pending_link
                    (id, device_id, user_id, label, ephemeral_private, shown_at, shown_wall_at)
                VALUES (1, ?1, coalesce(?2, (SELECT user_id FROM pending_link WHERE id = 1)),
                    coalesce(?3, (SELECT label FROM pending_link WHERE id = 1)), ?4, ?5, ?6)
                """,
                [
                    .text(device.lowercased), user.map { .text($0.lowercased) } ?? .null,
                    label.map(SQLiteValue.text) ?? .null, .blob(sealed), .real(bootClock()),
                    .text(Timestamp(wallClock(), precision: .milliseconds).text),
                ])
        }
        return LinkRequest(deviceID: device, ephemeralKey: ephemeral.publicKey)
    }

    /// The new device's second step: opens the existing device's response with `E_n` and returns the payload and
    /// the confirmation code to show. **Nothing is stored**: the person must first confirm that both devices show
    /// the same confirmation code, then call ``completeLink(_:at:key:oneTimePreKeys:)``. A response that comes
    /// more than 10 minutes after the request was made wipes `E_n` (a new request is needed).
    /// - Throws: `LinkError` for every refusal of A4 (`LinkError.expired`, a bad
    ///   tag, a response for another request, an invalid payload, a payload for another account); store errors.
    public static func openLinkResponse(
        _ response: LinkResponse, at path: String, key source: StoreKeySource,
        bootClock: @Sendable () -> Double = BootClock.seconds, wallClock: @Sendable () -> Date = { Date() }
    ) throws -> OpenedLink {
        let store = try open(at: path, key: source, waitingForLink: true)
        let pending = try store.pendingLink()
        guard let ephemeral = pending.ephemeral else { throw LinkError.expired }
        // Both clocks must agree the request is fresh: the boot clock cannot be set back by hand, the wall clock
        // survives a reboot (which restarts the boot clock).
        let lifetime = Double(LinkRequest.lifetime.components.seconds)
        let elapsed = bootClock() - pending.shownAt
        let wallElapsed = wallClock().timeIntervalSince(pending.shownWallAt)
        guard elapsed >= 0, elapsed <= lifetime, wallElapsed >= -60, wallElapsed <= lifetime else {
            try store.connection.write { db in try db.run("UPDATE pending_link SET ephemeral_private = NULL") }
            throw LinkError.expired
        }
        let request = LinkRequest(deviceID: pending.device, ephemeralKey: ephemeral.publicKey)
        let (payload, code) = try response.open(for: request, ephemeral: ephemeral)
        if let user = pending.user, user != payload.user {
            throw LinkError.invalidPayload("user_id is not the account this device logs in with")
        }
        return OpenedLink(payload: payload, confirmationCode: code, deviceID: pending.device)
    }

    /// The new device's last step, once the person confirmed the codes match: in one transaction, stores the
    /// account key as this device's identity, a signed pre-key signed with it and `oneTimePreKeys` one-time
    /// pre-keys, every pin (with its trust) and channel the existing device had, and wipes `E_n`. The store is then
    /// a device like any other: register it with the server (`E2EEEngine.bootstrap()`).
    /// - Throws: `LinkError.expired` when the request was replaced or wiped meanwhile (a second
    ///   response for one request is refused this way); store errors. Nothing changes on a throw.
    public static func completeLink(
        _ opened: OpenedLink, at path: String, key source: StoreKeySource, oneTimePreKeys: Int = 100
    ) throws -> SQLiteStore {
        let store = try open(at: path, key: source, waitingForLink: true)
        try store.connection.write { db in
            guard
                let row = try db.queryOne("SELECT device_id, label, ephemeral_private FROM pending_link WHERE id = 1"),
                try row.optionalBlob("ephemeral_private") != nil,
                try store.view(db).uuid(row.text("device_id"), "pending_link.device_id") == opened.deviceID
            else { throw LinkError.expired }
            let payload = opened.payload
            try store.writeLocalDevice(
                db, device: DeviceAddress(user: payload.user, device: opened.deviceID),
                label: try row.optionalText("label"), identity: payload.identity)
            _ = try store.addSignedPreKey(db)
            _ = try store.addOneTimePreKeys(db, count: oneTimePreKeys)
            let view = store.view(db)
            let stamp = Timestamp(store.now, precision: .milliseconds).text
            for pin in payload.pins where pin.user != payload.user {
                try view.ensurePeer(pin.user)
                try view.upsertPin(pin.identityKey, of: pin.user, trust: pin.trust, sendBlocked: nil, stamp: stamp)
            }
            for channel in payload.channels { try view.rememberMembers(channel.members, of: channel.id) }
            // The device this one was linked from is known: it is not reported as a new link on this device.
            try db.run(
                """
                INSERT OR REPLACE INTO device_authorizations
                    (user_id, device_id, identity_key, state, reason, judged_at)
                VALUES (?, ?, ?, 'authorized', NULL, ?)
                """,
                [
                    .text(payload.user.lowercased), .text(payload.fromDevice.lowercased),
                    .blob(payload.identity.publicKey.bytes), .text(stamp),
                ])
            try db.run("DELETE FROM pending_link")
        }
        store.forgetCachedIdentity()
        _ = try store.localIdentity()
        return store
    }

    /// The request a waiting store showed, to show it again.
    public static func pendingLinkRequest(at path: String, key source: StoreKeySource) throws -> LinkRequest {
        let store = try open(at: path, key: source, waitingForLink: true)
        let pending = try store.pendingLink()
        guard let ephemeral = pending.ephemeral else { throw LinkError.expired }
        return LinkRequest(deviceID: pending.device, ephemeralKey: ephemeral.publicKey)
    }

    private func pendingLink() throws -> (
        device: UUID, user: UUID?, ephemeral: X25519.PrivateKey?, shownAt: Double, shownWallAt: Date
    ) {
        try connection.read { db in
            guard
                let row = try db.queryOne(
                    """
                    SELECT device_id, user_id, ephemeral_private, shown_at, shown_wall_at FROM pending_link
                    WHERE id = 1
                    """)
            else { throw StoreError.notInitialized }
            let view = view(db)
            let device = try view.uuid(row.text("device_id"), "pending_link.device_id")
            let ephemeral = try row.optionalBlob("ephemeral_private").map {
                try view.privateKey(
                    try sealer.open($0, for: .linkEphemeral(device: device)),
                    "pending_link.ephemeral_private")
            }
            return (
                device, try row.optionalText("user_id").map { try view.uuid($0, "pending_link.user_id") }, ephemeral,
                try row.real("shown_at"), try view.timestamp(row.text("shown_wall_at"), "pending_link.shown_wall_at")
            )
        }
    }
}

extension SQLiteStore {
    /// What this device hands a device it links (LINKED_DEVICES.md A4): the account key, every pinned account key
    /// with its trust, and every channel with its known members.
    public func linkPayload() throws -> LinkPayload {
        try connection.read { db in
            let view = view(db)
            let local = try view.localIdentity()
            let pins = try db.query("SELECT user_id, identity_key, trust FROM peer_identities ORDER BY user_id").map {
                LinkPayload.Pin(
                    user: try view.uuid($0.text("user_id"), "peer_identities.user_id"),
                    identityKey: try view.publicKey($0.blob("identity_key"), "peer_identities.identity_key"),
                    trust: try view.trustLevel($0.text("trust"), "peer_identities.trust"))
            }
            var channels: [LinkPayload.Channel] = []
            for row in try db.query("SELECT channel_id, user_id FROM channel_members ORDER BY channel_id, user_id") {
                let channel = try view.uuid(row.text("channel_id"), "channel_members.channel_id")
                let user = try view.uuid(row.text("user_id"), "channel_members.user_id")
                if channels.last?.id == channel {
                    channels[channels.count - 1].members.append(user)
                } else {
                    channels.append(.init(id: channel, members: [user]))
                }
            }
            return LinkPayload(
                identity: local.keyPair, user: local.address.user, fromDevice: local.address.device, pins: pins,
                channels: channels)
        }
    }
}
