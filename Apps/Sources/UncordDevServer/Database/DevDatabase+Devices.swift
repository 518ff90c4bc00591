import Foundation
import HTTPTypes
import UncordProtocol
import UncordSQLite

extension DevDatabase {
    /// `POST /users/@me/devices`: at most five devices per user; the device id must be new among the user's own
    /// (another user may hold the same one). Fires IDENTITY_KEY_CHANGED to the user's DM peers.
    func registerDevice(user: UUID, _ request: RegisterDeviceRequest) throws(DevServerError) -> (Device, [Event]) {
        try write { db in
            let count = try db.queryOne("SELECT count(*) AS n FROM devices WHERE user_id = ?", [.text(user.wireText)])
            guard try (count?.integer("n") ?? 0) < Self.maximumDevices else {
                throw DevServerError(.conflict, .maxDevicesReached, "a user may register at most 5 devices")
            }
            let taken = try db.queryOne(
                "SELECT 1 FROM devices WHERE user_id = ? AND device_id = ?",
                [.text(user.wireText), .text(request.deviceID.wireText)])
            guard taken == nil else { throw DevServerError.duplicateKeyID("the device id is already registered") }
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

    /// `DELETE /users/@me/devices/{device_id}`: the device, its pre-keys and the message keys addressed to it
    /// (their rows cascade from the device's).
    func deleteDevice(user: UUID, device: UUID) throws(DevServerError) {
        try write { db in
            let row = try deviceRow(user: user, device: device, db: db)
            try db.run("DELETE FROM devices WHERE id = ?", [.text(row)])
        }
    }

    /// `PUT /users/@me/devices/{device_id}/identity-key`: only the key changes; the device's signed and one-time
    /// pre-keys stay, as on the real server. Fires IDENTITY_KEY_CHANGED to the user's DM peers.
    func replaceIdentityKey(user: UUID, device: UUID, key: [UInt8]) throws(DevServerError) -> [Event] {
        try write { db in
            let row = try deviceRow(user: user, device: device, db: db)
            try db.run("UPDATE devices SET identity_key = ? WHERE id = ?", [.blob(key), .text(row)])
            return try identityChanged(user: user, device: device, key: key, db: db).map { [$0] } ?? []
        }
    }

    /// `PUT /users/@me/devices/{device_id}/signed-pre-key`: the new key becomes the active one.
    func uploadSignedPreKey(user: UUID, device: UUID, _ request: UploadSignedPreKeyRequest) throws(DevServerError) {
        try write { db in
            let row = try deviceRow(user: user, device: device, db: db)
            try db.run("UPDATE signed_pre_keys SET active = 0 WHERE device = ?", [.text(row)])
            try db.run(
                """
                INSERT OR REPLACE INTO signed_pre_keys (device, key_id, public_key, signature, active)
                VALUES (?, ?, ?, ?, 1)
                """,
                [.text(row), .integer(Int64(request.keyID)), .blob(request.publicKey), .blob(request.signature)])
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
        let clash = try write { db -> UInt32? in
            let row = try deviceRow(user: user, device: device, db: db)
            let now = try Self.now()
            // One duplicate refuses the whole batch; the refusal is recorded (with the taken key's age) and kept.
            for key in request.preKeys {
                guard
                    let taken = try db.queryOne(
                        "SELECT uploaded_at FROM one_time_pre_keys WHERE device = ? AND key_id = ?",
                        [.text(row), .integer(Int64(key.keyID))])
                else { continue }
                let age = try taken.optionalText("uploaded_at").flatMap(Timestamp.init(rfc3339:)).map {
                    Int64(now.date.timeIntervalSince($0.date) * 1000)
                }
                try recordUpload(
                    row: row, at: now, keys: request.preKeys.count, clashAge: age, db: db)
                return key.keyID
            }
            let next = try db.queryOne(
                "SELECT coalesce(max(seq), 0) + 1 AS n FROM one_time_pre_keys WHERE device = ?", [.text(row)])
            var seq = try next?.integer("n") ?? 1
            for key in request.preKeys {
                try db.run(
                    """
                    INSERT INTO one_time_pre_keys (device, key_id, public_key, seq, uploaded_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                    [.text(row), .integer(Int64(key.keyID)), .blob(key.publicKey), .integer(seq), .text(now.text)])
                seq += 1
            }
            try recordUpload(row: row, at: now, keys: request.preKeys.count, clashAge: nil, db: db)
            return nil
        }
        if let clash { throw .duplicateKeyID("key id \(clash) is taken") }
    }

    /// One line of `one_time_pre_key_uploads`: a batch accepted (`clashAge` nil) or refused for a taken key id.
    private func recordUpload(row: String, at now: Timestamp, keys: Int, clashAge: Int64?, db: SQLiteConnection) throws
    {
        try db.run(
            """
            INSERT INTO one_time_pre_key_uploads (device, uploaded_at, keys, unconsumed_after, clash_age_ms)
            VALUES (?, ?, ?, ?, ?)
            """,
            [
                .text(row), .text(now.text), .integer(Int64(keys)), .integer(Int64(try remaining(row: row, db: db))),
                clashAge.map { .integer($0) } ?? .null,
            ])
    }

    /// `GET /users/@me/devices/{device_id}/one-time-pre-keys/count`: the keys not yet handed out.
    func oneTimePreKeyCount(user: UUID, device: UUID) throws(DevServerError) -> Int {
        try write { db in
            try remaining(row: try deviceRow(user: user, device: device, db: db), db: db)
        }
    }

    /// `GET /users/{user_id}/keys`: one bundle per device with an active signed pre-key, each consuming its
    /// oldest one-time pre-key, all in one transaction. Fires KEY_BUNDLE_LOW to `target` for every listed device
    /// left with ≤ 10. A user with devices but no signed pre-key gets an empty list; only a user with no device at
    /// all is `KEY_BUNDLE_INCOMPLETE`, as on the real server.
    func keyBundle(of target: UUID) throws(DevServerError) -> (UserKeyBundle, [Event]) {
        try write { db in
            guard try db.queryOne("SELECT 1 FROM devices WHERE user_id = ?", [.text(target.wireText)]) != nil else {
                throw DevServerError(.notFound, .keyBundleIncomplete, "the user has no device")
            }
            let rows = try db.query(
                """
                SELECT d.id, d.device_id, d.identity_key, s.key_id, s.public_key, s.signature
                FROM devices AS d JOIN signed_pre_keys AS s ON s.device = d.id AND s.active = 1
                WHERE d.user_id = ? ORDER BY d.seq
                """, [.text(target.wireText)])
            var bundles: [DeviceKeyBundle] = []
            var events: [Event] = []
            for row in rows {
                let deviceRow = try row.text("id")
                let device = try Self.uuid(row.text("device_id"))
                guard let keyID = UInt32(exactly: try row.integer("key_id")) else { continue }
                var bundle = DeviceKeyBundle(
                    deviceID: device, identityKey: try row.blob("identity_key"), signedPreKeyID: keyID,
                    signedPreKey: try row.blob("public_key"), signature: try row.blob("signature"))
                if let opk = try db.queryOne(
                    """
                    SELECT key_id, public_key FROM one_time_pre_keys WHERE device = ? AND consumed = 0
                    ORDER BY seq LIMIT 1
                    """, [.text(deviceRow)]), let opkID = UInt32(exactly: try opk.integer("key_id"))
                {
                    try db.run(
                        "UPDATE one_time_pre_keys SET consumed = 1 WHERE device = ? AND key_id = ?",
                        [.text(deviceRow), .integer(Int64(opkID))])
                    bundle.oneTimePreKey = OneTimePreKey(keyID: opkID, publicKey: try opk.blob("public_key"))
                }
                bundles.append(bundle)
                let left = try remaining(row: deviceRow, db: db)
                if left <= Self.lowPreKeyThreshold {
                    let payload = try RawJSON(encoding: KeyBundleLow(deviceID: device, remaining: left))
                    events.append(Event(type: .keyBundleLow, payload: payload, users: [target]))
                }
            }
            return (UserKeyBundle(userID: target, devices: bundles), events)
        }
    }

    /// The one-time pre-keys of the device with row id `row` not yet handed out.
    private func remaining(row: String, db: SQLiteConnection) throws -> Int {
        let count = try db.queryOne(
            "SELECT count(*) AS n FROM one_time_pre_keys WHERE device = ? AND consumed = 0", [.text(row)])
        return Int(try count?.integer("n") ?? 0)
    }

    /// The row id of `user`'s device with client id `device`, or `nil` when the user has no such device.
    func deviceRowIfAny(user: UUID, device: UUID, db: SQLiteConnection) throws -> String? {
        try db.queryOne(
            "SELECT id FROM devices WHERE user_id = ? AND device_id = ?",
            [.text(user.wireText), .text(device.wireText)]
        )?.text("id")
    }

    /// The row id of `user`'s device with client id `device`; `UNKNOWN_DEVICE` when the user has no such device.
    private func deviceRow(user: UUID, device: UUID, db: SQLiteConnection) throws -> String {
        guard let row = try deviceRowIfAny(user: user, device: device, db: db) else {
            throw DevServerError.unknownDevice()
        }
        return row
    }

    private func identityChanged(user: UUID, device: UUID, key: [UInt8], db: SQLiteConnection) throws -> Event? {
        let peers = try peers(of: user, in: db)
        guard !peers.isEmpty else { return nil }
        let payload = try RawJSON(encoding: IdentityKeyChanged(userID: user, deviceID: device, identityKey: key))
        return Event(type: .identityKeyChanged, payload: payload, users: peers)
    }
}
