import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// One simulated device: its identity, its store and its cipher.
final class TestDevice {
    let local: LocalIdentity
    let store: any TestStore
    var cipher: SessionCipher

    var address: DeviceAddress { local.address }

    init(local: LocalIdentity, store: any TestStore, cipher: SessionCipher) {
        self.local = local
        self.store = store
        self.cipher = cipher
    }

    /// A text payload from this device.
    func payload(_ body: String) -> MessagePayload {
        MessagePayload(body: body, senderDevice: local.address.device, sentAt: "2025-01-01T00:00:00Z")
    }
}

/// The server's side of the pre-key bundles: what each device published, handing out one one-time pre-key per
/// device and fetch, as `GET /users/{id}/keys` does.
final class TestServer {
    struct Published {
        var bundle: DeviceKeyBundle
        var oneTimeKeys: [OneTimePreKey]
    }

    private(set) var published: [DeviceAddress: Published] = [:]
    private(set) var devicesOfUser: [UUID: [UUID]] = [:]

    /// Makes a device with an identity, signed pre-key 1 and `oneTimeKeys` one-time pre-keys, all from `random`,
    /// stores the private halves on the device (in a store from `makeStore`) and publishes the public ones.
    func makeDevice(
        _ address: DeviceAddress, store makeStore: (LocalIdentity) throws -> any TestStore, random: some RandomSource,
        oneTimeKeys: Int = 3, trust: any TrustPolicy = TrustOnFirstUse(), identity given: X25519.PrivateKey? = nil
    ) throws -> TestDevice {
        let identity = given ?? X25519.PrivateKey.generate(using: random)
        let local = LocalIdentity(address: address, keyPair: identity)
        let store = try makeStore(local)
        let device = TestDevice(
            local: local, store: store,
            cipher: SessionCipher(trustPolicy: trust, keyPairs: RandomKeyPairs(random), random: random))
        try publish(device, oneTimeKeys: oneTimeKeys, random: random)
        return device
    }

    /// Publishes fresh keys for `device` (also used to simulate a reinstall with a new identity).
    func publish(
        _ device: TestDevice, signedPreKeyID: UInt32 = 1, oneTimeKeys: Int, firstOneTimeKeyID: UInt32 = 1,
        random: some RandomSource
    ) throws {
        let spk = X25519.PrivateKey.generate(using: random)
        try device.store.addSignedPreKey(spk, id: signedPreKeyID)
        let signature = try SignedPreKeySignature.sign(
            deviceID: device.address.device, keyID: signedPreKeyID, signedPreKey: spk.publicKey,
            identityKey: device.local.keyPair, using: random)
        var opks: [OneTimePreKey] = []
        for id in (0..<UInt32(oneTimeKeys)).map({ firstOneTimeKeyID + $0 }) {
            let key = X25519.PrivateKey.generate(using: random)
            try device.store.addOneTimePreKey(key, id: id)
            opks.append(OneTimePreKey(keyID: id, publicKey: key.publicKey.bytes))
        }
        let bundle = DeviceKeyBundle(
            deviceID: device.address.device, identityKey: device.local.keyPair.publicKey.bytes,
            signedPreKeyID: signedPreKeyID, signedPreKey: spk.publicKey.bytes, signature: signature)
        published[device.address] = Published(bundle: bundle, oneTimeKeys: opks)
        var devices = devicesOfUser[device.address.user, default: []]
        if !devices.contains(device.address.device) { devices.append(device.address.device) }
        devicesOfUser[device.address.user] = devices
    }

    /// Replaces what a device published, as a compromised or buggy server could.
    func replace(_ address: DeviceAddress, with bundle: DeviceKeyBundle) {
        published[address]?.bundle = bundle
    }

    /// `GET /users/{user}/keys`: one bundle per device, each with the next one-time pre-key if any is left.
    func fetch(_ user: UUID) -> UserKeyBundle {
        var bundles: [DeviceKeyBundle] = []
        for device in devicesOfUser[user] ?? [] {
            let address = DeviceAddress(user: user, device: device)
            guard var entry = published[address] else { continue }
            var bundle = entry.bundle
            if !entry.oneTimeKeys.isEmpty { bundle.oneTimePreKey = entry.oneTimeKeys.removeFirst() }
            published[address] = entry
            bundles.append(bundle)
        }
        return UserKeyBundle(userID: user, devices: bundles)
    }

    /// The bundle lists `device` needs before sending to `users`: those whose device list it has not cached, or
    /// with a device it has no session with.
    func bundlesNeeded(by device: TestDevice, for users: [UUID]) throws -> [UserKeyBundle] {
        try users.filter { user in
            guard try device.store.devices(of: user) != nil else { return true }
            return try (devicesOfUser[user] ?? []).contains { id in
                let address = DeviceAddress(user: user, device: id)
                return try address != device.address && device.store.sessionRecord(for: address) == nil
            }
        }.map(fetch)
    }
}

/// The `RatchetError` a call throws, or `nil` when it succeeds; another error type is a test failure.
func ratchetError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> RatchetError? {
    do {
        _ = try body()
        return nil
    } catch let error as RatchetError {
        return error
    } catch {
        Issue.record("expected a RatchetError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A little world of users, devices and a server, for the session tests. Its devices keep their state in stores
/// of one kind: all in memory, or all SQLite (in a temporary directory removed with the world).
final class TestWorld {
    let server = TestServer()
    let random: DeterministicRandom
    let channel: UUID
    let kind: StoreKind
    private var ids: SplitMix64
    private var directory: StoreDirectory?
    /// Each user's account identity key, held by every device of the user (LINKED_DEVICES.md A1).
    private var accountKeys: [UUID: X25519.PrivateKey] = [:]

    init(seed: UInt64, store kind: StoreKind = .inMemory) {
        ids = SplitMix64(seed: seed)
        random = DeterministicRandom(seed: seed)
        channel = ids.uuid()
        self.kind = kind
    }

    /// An empty store of the world's kind for `local`.
    func makeStore(for local: LocalIdentity) throws -> any TestStore {
        switch kind {
        case .inMemory:
            return InMemoryRatchetStore(local: local)
        case .sqlite:
            let directory = try directory ?? StoreDirectory()
            self.directory = directory
            return try SQLiteStore.forTests(at: directory.nextPath(), local: local)
        }
    }

    /// A new user id.
    func user() -> UUID { ids.uuid() }

    /// A new device of `user`, its keys published; it holds the user's account key (the first device's).
    func device(
        of user: UUID, oneTimeKeys: Int = 3, trust: any TrustPolicy = TrustOnFirstUse()
    ) throws -> TestDevice {
        let device = try server.makeDevice(
            DeviceAddress(user: user, device: ids.uuid()), store: makeStore, random: random, oneTimeKeys: oneTimeKeys,
            trust: trust, identity: accountKeys[user])
        accountKeys[user] = device.local.keyPair
        return device
    }

    /// The same device reinstalled: a new identity key, a new store, new pre-keys published.
    func reinstall(_ device: TestDevice, oneTimeKeys: Int = 3, firstOneTimeKeyID: UInt32 = 100) throws -> TestDevice {
        let local = LocalIdentity(address: device.address, keyPair: .generate(using: random))
        let fresh = TestDevice(
            local: local, store: try makeStore(for: local),
            cipher: SessionCipher(keyPairs: RandomKeyPairs(random), random: random))
        try server.publish(fresh, oneTimeKeys: oneTimeKeys, firstOneTimeKeyID: firstOneTimeKeyID, random: random)
        return fresh
    }

    /// Seals `body` from `sender` to `users` in the world's channel, fetching the bundles it needs.
    func send(_ body: String, from sender: TestDevice, to users: [UUID]) throws -> SealedMessage {
        try sender.cipher.seal(
            sender.payload(body), channel: channel, participants: users,
            bundles: try server.bundlesNeeded(by: sender, for: users + [sender.address.user]), in: sender.store)
    }

    /// Opens on `device` the wrap `sealed` has for it.
    func open(_ sealed: SealedMessage, at device: TestDevice, from sender: TestDevice) throws -> OpenedMessage {
        let wrap = try #require(sealed.wraps.first { $0.recipient == device.address })
        return try device.cipher.open(
            content: sealed.content, wrap: wrap.bytes, channel: channel, author: sender.address.user,
            in: device.store)
    }
}
