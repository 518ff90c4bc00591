import Foundation
import HTTPTypes
import UncordProtocol
@_spi(DevServer) import UncordStore

extension DevDatabase {
    /// `POST /users/@me/devices`: at most five devices per user; the device id must be new. Fires
    /// IDENTITY_KEY_CHANGED to the user's DM peers.
    func registerDevice(user: UUID, _ request: RegisterDeviceRequest) throws(DevServerError) -> (Device, [Event]) {
        try write { db in
            if try db.queryOne("SELECT 1 FROM devices WHERE device_id = ?", [.text(request.deviceID.wireText)]) != nil {
                throw DevServerError.duplicateKeyID("the device id is already registered")
            }
            let count = try db.queryOne("SELECT count(*) AS n FROM devices WHERE user_id = ?", [.text(user.wireText)])
            guard try (count?.integer("n") ?? 0) < Self.maximumDevices else {
                throw DevServerError(.conflict, .maxDevicesReached, "a user may register at most 5 devices")
            }
            let created = try Self.now()
            let device = Device(
                id: UUID(), deviceID: request.deviceID, label: request.label, identityKey: request.identityKey,
                createdAt: created)
            try db.run(
                "INSERT INTO devices (id, user_id, device_id, label, identity_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(device.id.wireText), .text(user.wireText), .text(request.deviceID.wireText),
                    request.label.map { .text($0) } ?? .null, .blob(request.identityKey), .text(created.text),
                ])
            let event = try identityChanged(user: user, device: request.deviceID, key: request.identityKey, db: db)
            return (device, event.map { [$0] } ?? [])
        }
    }

    /// `GET /users/@me/devices`, in order of creation.
    func devices(user: UUID) throws(DevServerError) -> [Device] {
        try write { db in
            try db.query(
                "SELECT id, device_id, label, identity_key, created_at FROM devices WHERE user_id = ? ORDER BY seq",
                [.text(user.wireText)]
            ).map { row in
                Device(
                    id: try Self.uuid(row.text("id")), deviceID: try Self.uuid(row.text("device_id")),
                    label: try row.optionalText("label"), identityKey: try row.blob("identity_key"),
                    createdAt: try Self.timestamp(row.text("created_at")))
            }
        }
    }

    /// `DELETE /users/@me/devices/{device_id}`: the device, its pre-keys and the message keys addressed to it.
    func deleteDevice(user: UUID, device: UUID) throws(DevServerError) {
        try write { db in
            try requireDevice(user: user, device: device, db: db)
            try db.run("DELETE FROM message_keys WHERE device_id = ?", [.text(device.wireText)])
            try db.run("DELETE FROM devices WHERE device_id = ?", [.text(device.wireText)])
        }
    }

    /// `PUT /users/@me/devices/{device_id}/identity-key`: a new identity drops the device's pre-keys (they were
    /// signed by the old one). Fires IDENTITY_KEY_CHANGED to the user's DM peers.
    func replaceIdentityKey(user: UUID, device: UUID, key: [UInt8]) throws(DevServerError) -> [Event] {
        try write { db in
            try requireDevice(user: user, device: device, db: db)
            try db.run(
                "UPDATE devices SET identity_key = ? WHERE device_id = ?", [.blob(key), .text(device.wireText)])
            try db.run("DELETE FROM signed_pre_keys WHERE device_id = ?", [.text(device.wireText)])
            try db.run("DELETE FROM one_time_pre_keys WHERE device_id = ?", [.text(device.wireText)])
            return try identityChanged(user: user, device: device, key: key, db: db).map { [$0] } ?? []
        }
    }

    /// `PUT /users/@me/devices/{device_id}/signed-pre-key`: the new key becomes the active one.
    func uploadSignedPreKey(user: UUID, device: UUID, _ request: UploadSignedPreKeyRequest) throws(DevServerError) {
        try write { db in
            try requireDevice(user: user, device: device, db: db)
            try db.run("UPDATE signed_pre_keys SET active = 0 WHERE device_id = ?", [.text(device.wireText)])
            try db.run(
                """
                INSERT OR REPLACE INTO signed_pre_keys (device_id, key_id, public_key, signature, active)
                VALUES (?, ?, ?, ?, 1)
                """,
                [
                    .text(device.wireText), .integer(Int64(request.keyID)), .blob(request.publicKey),
                    .blob(request.signature),
                ])
        }
    }

    /// `POST /users/@me/devices/{device_id}/one-time-pre-keys`: 1…100 keys whose ids were never used on this
    /// device; one duplicate refuses the whole batch.
    func uploadOneTimePreKeys(
        user: UUID, device: UUID, _ request: UploadOneTimePreKeysRequest
    ) throws(DevServerError) {
        guard (1...UploadOneTimePreKeysRequest.maximumBatchSize).contains(request.preKeys.count) else {
            throw DevServerError(.badRequest, .opkBatchTooLarge, "a batch holds 1 to 100 keys")
        }
        let ids = request.preKeys.map(\.keyID)
        guard Set(ids).count == ids.count else { throw .duplicateKeyID("the batch repeats a key id") }
        try write { db in
            try requireDevice(user: user, device: device, db: db)
            let next = try db.queryOne(
                "SELECT coalesce(max(seq), 0) + 1 AS n FROM one_time_pre_keys WHERE device_id = ?",
                [.text(device.wireText)])
            var seq = try next?.integer("n") ?? 1
            for key in request.preKeys {
                let taken = try db.queryOne(
                    "SELECT 1 FROM one_time_pre_keys WHERE device_id = ? AND key_id = ?",
                    [.text(device.wireText), .integer(Int64(key.keyID))])
                guard taken == nil else { throw DevServerError.duplicateKeyID("key id \(key.keyID) is taken") }
                try db.run(
                    "INSERT INTO one_time_pre_keys (device_id, key_id, public_key, seq) VALUES (?, ?, ?, ?)",
                    [.text(device.wireText), .integer(Int64(key.keyID)), .blob(key.publicKey), .integer(seq)])
                seq += 1
            }
        }
    }

    /// `GET /users/@me/devices/{device_id}/one-time-pre-keys/count`: the keys not yet handed out.
    func oneTimePreKeyCount(user: UUID, device: UUID) throws(DevServerError) -> Int {
        try write { db in
            try requireDevice(user: user, device: device, db: db)
            return try remaining(device: device, db: db)
        }
    }

    /// `GET /users/{user_id}/keys`: one bundle per device with an active signed pre-key, each consuming its
    /// oldest one-time pre-key, all in one transaction. Fires KEY_BUNDLE_LOW to `target` for every listed device
    /// left with ≤ 10.
    func keyBundle(of target: UUID) throws(DevServerError) -> (UserKeyBundle, [Event]) {
        try write { db in
            let rows = try db.query(
                """
                SELECT d.device_id, d.identity_key, s.key_id, s.public_key, s.signature
                FROM devices AS d JOIN signed_pre_keys AS s ON s.device_id = d.device_id AND s.active = 1
                WHERE d.user_id = ? ORDER BY d.seq
                """, [.text(target.wireText)])
            var bundles: [DeviceKeyBundle] = []
            var events: [Event] = []
            for row in rows {
                let device = try Self.uuid(row.text("device_id"))
                guard let keyID = UInt32(exactly: try row.integer("key_id")) else { continue }
                var bundle = DeviceKeyBundle(
                    deviceID: device, identityKey: try row.blob("identity_key"), signedPreKeyID: keyID,
                    signedPreKey: try row.blob("public_key"), signature: try row.blob("signature"))
                if let opk = try db.queryOne(
                    """
                    SELECT key_id, public_key FROM one_time_pre_keys WHERE device_id = ? AND consumed = 0
                    ORDER BY seq LIMIT 1
                    """, [.text(device.wireText)]), let opkID = UInt32(exactly: try opk.integer("key_id"))
                {
                    try db.run(
                        "UPDATE one_time_pre_keys SET consumed = 1 WHERE device_id = ? AND key_id = ?",
                        [.text(device.wireText), .integer(Int64(opkID))])
                    bundle.oneTimePreKey = OneTimePreKey(keyID: opkID, publicKey: try opk.blob("public_key"))
                }
                bundles.append(bundle)
                let left = try remaining(device: device, db: db)
                if left <= Self.lowPreKeyThreshold {
                    let payload = try RawJSON(encoding: KeyBundleLow(deviceID: device, remaining: left))
                    events.append(Event(type: .keyBundleLow, payload: payload, users: [target]))
                }
            }
            guard !bundles.isEmpty else {
                throw DevServerError(.notFound, .keyBundleIncomplete, "the user has no device with a complete bundle")
            }
            return (UserKeyBundle(userID: target, devices: bundles), events)
        }
    }

    private func remaining(device: UUID, db: SQLiteConnection) throws -> Int {
        let row = try db.queryOne(
            "SELECT count(*) AS n FROM one_time_pre_keys WHERE device_id = ? AND consumed = 0",
            [.text(device.wireText)])
        return Int(try row?.integer("n") ?? 0)
    }

    private func requireDevice(user: UUID, device: UUID, db: SQLiteConnection) throws {
        let row = try db.queryOne(
            "SELECT 1 FROM devices WHERE device_id = ? AND user_id = ?", [.text(device.wireText), .text(user.wireText)])
        guard row != nil else { throw DevServerError.unknownDevice() }
    }

    private func identityChanged(user: UUID, device: UUID, key: [UInt8], db: SQLiteConnection) throws -> Event? {
        let peers = try peers(of: user, in: db)
        guard !peers.isEmpty else { return nil }
        let payload = try RawJSON(encoding: IdentityKeyChanged(userID: user, deviceID: device, identityKey: key))
        return Event(type: .identityKeyChanged, payload: payload, users: peers)
    }
}
