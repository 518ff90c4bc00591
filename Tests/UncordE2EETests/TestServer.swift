import Foundation
import UncordE2EE
import UncordProtocol

/// An in-process Uncord server with the real server's E2EE semantics (UNCORD_API.md): one-time pre-keys consumed
/// atomically per bundle fetch, KEY_BUNDLE_LOW to the owner when a fetch leaves a device with ≤ 10,
/// IDENTITY_KEY_CHANGED to DM peers on registration and identity replacement, DM_MESSAGE_CREATE dispatched
/// without `message_keys`, and the list route returning only the asking device's wrap as `device_id ""`; an
/// identity-key replacement keeps the device's pre-keys, and a user whose devices have no signed pre-key gets
/// 200 with no bundles. Gateway frames queue per user as raw JSON text for the tests to feed to engines.
///
/// Two modes reproduce the published server's defects (Docs/UNCORD_SERVER.md section 3): ``registrationFails``
/// (defect 1: every registration answers 500 `INTERNAL_ERROR`) and ``dropsMessageKeys`` (defect 2: a send is
/// answered 201 but its keys are never stored, so no message is ever listed with a key).
actor TestServer {
    struct DeviceState {
        var deviceID: UUID
        var identityKey: [UInt8]
        var signedPreKey: UploadSignedPreKeyRequest?
        var oneTimePreKeys: [OneTimePreKey] = []
        var usedKeyIDs: Set<UInt32> = []
    }

    struct StoredMessage {
        var message: Message
        var keys: [UUID: [UInt8]]
    }

    private(set) var devices: [UUID: [DeviceState]] = [:]
    private var channels: [UUID: [UUID]] = [:]
    private var messages: [UUID: [StoredMessage]] = [:]
    private var frames: [UUID: [[UInt8]]] = [:]
    /// How far each device (each gateway connection) has read its user's frames.
    private var cursors: [UUID: Int] = [:]
    private var sequence: [UUID: Int64] = [:]

    /// Uploads that fail before these many more succeed (a transient outage).
    var failingUploads = 0
    /// How long an OPK upload takes, to let concurrent triggers overlap.
    var uploadDelay: Duration = .zero
    /// How long the bundle route takes before it answers.
    var bundleDelay: Duration = .zero
    /// Every accepted OPK upload batch, key ids in order.
    private(set) var uploadedBatches: [[UInt32]] = []
    /// Every OPK upload request, accepted or not.
    private(set) var oneTimePreKeyUploadRequests = 0
    /// Defect 1: device registration answers 500 `INTERNAL_ERROR` and registers nothing.
    var registrationFails = false
    /// Defect 2: a send is stored and answered 201, but its message keys are dropped.
    var dropsMessageKeys = false
    /// How many times the list route was called.
    private(set) var listCalls = 0
    /// The list calls (numbered as ``listCalls`` counts them) that fail with 500 `INTERNAL_ERROR`.
    private var failingListCalls: Set<Int> = []
    /// The user of every bundle fetch, in order.
    private(set) var bundleFetches: [UUID] = []

    func client(for user: UUID) -> TestClient { TestClient(server: self, user: user) }

    func setFailingUploads(_ count: Int) { failingUploads = count }
    func setUploadDelay(_ delay: Duration) { uploadDelay = delay }
    func setBundleDelay(_ delay: Duration) { bundleDelay = delay }
    func setRegistrationFails(_ fails: Bool) { registrationFails = fails }
    func setDropsMessageKeys(_ drops: Bool) { dropsMessageKeys = drops }
    /// Makes the list calls numbered `numbers` (as ``listCalls`` counts them) fail.
    func failListCalls(_ numbers: Set<Int>) { failingListCalls.formUnion(numbers) }

    /// `POST /users/@me/channels`: a DM channel with these participants.
    func createChannel(_ participants: [UUID]) -> UUID {
        let id = UUID()
        channels[id] = participants
        return id
    }

    /// Adds `user` to a channel's participants, as a server that does not keep its word could.
    func addParticipant(_ user: UUID, to channel: UUID) {
        channels[channel, default: []].append(user)
    }

    /// The gateway frames of `user` that the connection of `device` has not read yet, oldest first.
    func drainFrames(for user: UUID, device: UUID) -> [[UInt8]] {
        let all = frames[user] ?? []
        let start = min(cursors[device] ?? 0, all.count)
        cursors[device] = all.count
        return Array(all[start...])
    }

    func oneTimePreKeyCount(user: UUID, device: UUID) -> Int {
        devices[user]?.first { $0.deviceID == device }?.oneTimePreKeys.count ?? 0
    }

    /// `PUT /users/@me/devices/{device}/identity-key`: as the real server, only the key is replaced; the device's
    /// signed and one-time pre-keys stay and keep being handed out.
    func replaceIdentityKey(user: UUID, device: UUID, key: [UInt8]) throws {
        guard let index = devices[user]?.firstIndex(where: { $0.deviceID == device }) else {
            throw ServerError(code: .unknownDevice, message: "unknown device")
        }
        devices[user]?[index].identityKey = key
        try fireIdentityChanged(user: user, device: device, key: key)
    }

    /// A reinstall under the same device id: the device deleted and registered anew with `key` (`DELETE`, then
    /// `POST /users/@me/devices`), so its pre-keys are gone and its DM peers get IDENTITY_KEY_CHANGED. The new store's
    /// key ids start again at 1, which a kept signed pre-key would refuse as duplicates.
    func reinstallDevice(user: UUID, device: UUID, key: [UInt8]) throws {
        guard let index = devices[user]?.firstIndex(where: { $0.deviceID == device }) else {
            throw ServerError(code: .unknownDevice, message: "unknown device")
        }
        devices[user]?[index] = DeviceState(deviceID: device, identityKey: key)
        try fireIdentityChanged(user: user, device: device, key: key)
    }

    /// `DELETE /users/@me/devices/{device}`: the device and its keys are gone.
    func removeDevice(user: UUID, device: UUID) {
        devices[user]?.removeAll { $0.deviceID == device }
    }

    // MARK: Routes

    func registerDevice(user: UUID, _ request: RegisterDeviceRequest) throws -> Device {
        if registrationFails {
            throw ServerError(code: .internalError, message: "An internal error occurred")
        }
        guard request.identityKey.count == 32 else { throw ServerError(code: .invalidKeyMaterial, message: "key") }
        var list = devices[user] ?? []
        guard !list.contains(where: { $0.deviceID == request.deviceID }) else {
            throw ServerError(code: .duplicateKeyID, message: "duplicate device")
        }
        guard list.count < 5 else { throw ServerError(code: .maxDevicesReached, message: "max devices") }
        list.append(DeviceState(deviceID: request.deviceID, identityKey: request.identityKey))
        devices[user] = list
        try fireIdentityChanged(user: user, device: request.deviceID, key: request.identityKey)
        return Device(
            id: UUID(), deviceID: request.deviceID, label: request.label, identityKey: request.identityKey,
            createdAt: Self.timestamp)
    }

    func uploadSignedPreKey(user: UUID, device: UUID, _ request: UploadSignedPreKeyRequest) throws {
        let index = try deviceIndex(user, device)
        // As the real server: a signed pre-key id it has is refused (409 DUPLICATE_KEY_ID).
        if devices[user]?[index].signedPreKey?.keyID == request.keyID {
            throw ServerError(code: .duplicateKeyID, message: "duplicate key id")
        }
        devices[user]?[index].signedPreKey = request
    }

    func uploadOneTimePreKeys(user: UUID, device: UUID, _ request: UploadOneTimePreKeysRequest) async throws {
        oneTimePreKeyUploadRequests += 1
        if uploadDelay != .zero { try await Task.sleep(for: uploadDelay) }
        if failingUploads > 0 {
            failingUploads -= 1
            throw ServerError(code: .serviceUnavailable, message: "unavailable")
        }
        guard (1...100).contains(request.preKeys.count) else {
            throw ServerError(code: .opkBatchTooLarge, message: "batch")
        }
        let index = try deviceIndex(user, device)
        guard let state = devices[user]?[index] else { throw ServerError(code: .unknownDevice, message: "device") }
        let ids = request.preKeys.map(\.keyID)
        guard Set(ids).count == ids.count, state.usedKeyIDs.isDisjoint(with: ids) else {
            throw ServerError(code: .duplicateKeyID, message: "duplicate key id")
        }
        devices[user]?[index].oneTimePreKeys += request.preKeys
        devices[user]?[index].usedKeyIDs.formUnion(ids)
        uploadedBatches.append(ids)
    }

    func oneTimePreKeyCountRoute(user: UUID, device: UUID) throws -> Int {
        let index = try deviceIndex(user, device)
        return devices[user]?[index].oneTimePreKeys.count ?? 0
    }

    /// `GET /users/{user}/keys`: consumes one OPK per device (an actor call is atomic), then KEY_BUNDLE_LOW.
    func keyBundle(of user: UUID) async throws -> UserKeyBundle {
        if bundleDelay != .zero { try await Task.sleep(for: bundleDelay) }
        bundleFetches.append(user)
        var bundles: [DeviceKeyBundle] = []
        var low: [(UUID, Int)] = []
        for index in (devices[user] ?? []).indices {
            guard let state = devices[user]?[index], let signed = state.signedPreKey else { continue }
            var bundle = DeviceKeyBundle(
                deviceID: state.deviceID, identityKey: state.identityKey, signedPreKeyID: signed.keyID,
                signedPreKey: signed.publicKey, signature: signed.signature)
            if !state.oneTimePreKeys.isEmpty {
                bundle.oneTimePreKey = devices[user]?[index].oneTimePreKeys.removeFirst()
            }
            bundles.append(bundle)
            let remaining = devices[user]?[index].oneTimePreKeys.count ?? 0
            if remaining <= 10 { low.append((state.deviceID, remaining)) }
        }
        // As the real server: 404 only for a user without devices; devices without a signed pre-key are left out.
        guard !(devices[user] ?? []).isEmpty else {
            throw ServerError(code: .keyBundleIncomplete, message: "no bundle")
        }
        for (device, remaining) in low {
            try dispatch(.keyBundleLow, KeyBundleLow(deviceID: device, remaining: remaining), to: [user])
        }
        return UserKeyBundle(userID: user, devices: bundles)
    }

    func deviceList(user: UUID) -> [Device] {
        (devices[user] ?? []).map {
            Device(id: UUID(), deviceID: $0.deviceID, identityKey: $0.identityKey, createdAt: Self.timestamp)
        }
    }

    func sendMessage(user: UUID, channel: UUID, body: [UInt8]) throws -> Message {
        guard let participants = channels[channel], participants.contains(user) else {
            throw ServerError(code: .notFound, message: "channel")
        }
        let request = try WireJSON.decode(SendMessageRequest.self, from: body)
        var keys: [UUID: [UInt8]] = [:]
        for key in request.messageKeys {
            guard case .device(let device) = key.recipient else {
                throw ServerError(code: .validationError, message: "device id")
            }
            keys[device] = key.encryptedKey
        }
        let message = Message(
            id: UUID(), channelID: channel, author: .init(id: user, username: "u"),
            content: request.content.trimmingCharacters(in: .whitespaces), replyToID: request.replyToID,
            encrypted: true, createdAt: Self.timestamp)
        messages[channel, default: []].append(StoredMessage(message: message, keys: dropsMessageKeys ? [:] : keys))
        try dispatch(.dmMessageCreate, message, to: participants)
        var answer = message
        answer.messageKeys = request.messageKeys
        return answer
    }

    func messages(user: UUID, channel: UUID, device: UUID, before: UUID?, limit: Int?) throws -> [Message] {
        listCalls += 1
        if failingListCalls.contains(listCalls) { throw ServerError(code: .internalError, message: "list") }
        guard let participants = channels[channel], participants.contains(user) else {
            throw ServerError(code: .notFound, message: "channel")
        }
        var newestFirst = Array((messages[channel] ?? []).reversed())
        if let before, let index = newestFirst.firstIndex(where: { $0.message.id == before }) {
            newestFirst.removeFirst(index + 1)
        }
        return newestFirst.prefix(limit ?? 50).map { stored in
            var message = stored.message
            message.messageKeys =
                stored.keys[device].map { [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: $0)] } ?? []
            return message
        }
    }

    /// `GET /users/@me/channels`: the channels `user` takes part in, in id order.
    func dmChannels(user: UUID) -> [DMChannel] {
        channels.filter { $0.value.contains(user) }.keys.sorted { $0.uuidString < $1.uuidString }.map {
            DMChannel(id: $0, kind: .direct, createdAt: Self.timestamp, updatedAt: Self.timestamp)
        }
    }

    // MARK: Gateway

    /// Queues a dispatch frame for each user.
    func dispatch(_ type: DispatchEvent, _ payload: some Encodable, to users: [UUID]) throws {
        let data = try RawJSON(encoding: payload)
        for user in Set(users) {
            let next = (sequence[user] ?? 0) + 1
            sequence[user] = next
            frames[user, default: []].append(Frame(op: .dispatch, sequence: next, type: type, data: data).encoded())
        }
    }

    /// Queues raw frame text for a user (READY, malformed frames).
    func queue(_ text: String, for user: UUID) {
        frames[user, default: []].append(Array(text.utf8))
    }

    private func fireIdentityChanged(user: UUID, device: UUID, key: [UInt8]) throws {
        let peers = Set(channels.values.filter { $0.contains(user) }.flatMap { $0 }).subtracting([user])
        guard !peers.isEmpty else { return }
        try dispatch(
            .identityKeyChanged, IdentityKeyChanged(userID: user, deviceID: device, identityKey: key),
            to: Array(peers))
    }

    private func deviceIndex(_ user: UUID, _ device: UUID) throws -> Int {
        guard let index = devices[user]?.firstIndex(where: { $0.deviceID == device }) else {
            throw ServerError(code: .unknownDevice, message: "unknown device")
        }
        return index
    }

    /// The one creation time the server stamps (decoded from wire text, as a client would).
    static let timestamp: Timestamp = {
        guard let stamp = try? WireJSON.decode(Timestamp.self, from: #""2025-01-01T00:00:00Z""#) else {
            preconditionFailure("the fixed test timestamp is valid RFC 3339")
        }
        return stamp
    }()
}

/// One signed-in user's view of the test server: the ``ServerAPI`` an engine is given.
struct TestClient: ServerAPI {
    let server: TestServer
    let user: UUID

    func registerDevice(_ request: RegisterDeviceRequest) async throws -> Device {
        try await server.registerDevice(user: user, request)
    }
    func updateIdentityKey(device: UUID, _ request: UpdateIdentityKeyRequest) async throws {
        try await server.replaceIdentityKey(user: user, device: device, key: request.identityKey)
    }
    func uploadSignedPreKey(device: UUID, _ request: UploadSignedPreKeyRequest) async throws {
        try await server.uploadSignedPreKey(user: user, device: device, request)
    }
    func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws {
        try await server.uploadOneTimePreKeys(user: user, device: device, request)
    }
    func oneTimePreKeyCount(device: UUID) async throws -> Int {
        try await server.oneTimePreKeyCountRoute(user: user, device: device)
    }
    func keyBundle(of user: UUID) async throws -> UserKeyBundle { try await server.keyBundle(of: user) }
    func devices() async throws -> [Device] { await server.deviceList(user: user) }
    func deleteDevice(_ device: UUID) async throws { await server.removeDevice(user: user, device: device) }
    func sendMessage(channel: UUID, body: [UInt8]) async throws -> Message {
        try await server.sendMessage(user: user, channel: channel, body: body)
    }
    func messages(channel: UUID, device: UUID, before: UUID?, limit: Int?) async throws -> [Message] {
        try await server.messages(user: user, channel: channel, device: device, before: before, limit: limit)
    }
    func dmChannels() async throws -> [DMChannel] { await server.dmChannels(user: user) }
}
