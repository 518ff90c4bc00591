import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// The fixed state the receive target starts every input from, built once from seeded randomness: Bob's device
/// after it received Alice's first two messages and replied, and the genuine messages still on their way to it.
struct ReceiveFixture: Sendable {
    /// One genuine message to Bob's device: what the server would deliver, and what it decrypts to.
    struct Genuine: Sendable {
        var name: String
        var content: [UInt8]
        var wrap: [UInt8]
        var channel: UUID
        var sender: DeviceAddress
        var payload: MessagePayload
        /// Whether it opens in the fixed state (a replay, or a pre-key wrap naming a consumed one-time pre-key,
        /// does not).
        var opens: Bool
    }

    let bob: InMemoryRatchetStore.State
    let messages: [Genuine]
    let channel: UUID
    let otherChannel: UUID
    let users: [UUID]
    let devices: [UUID]

    static let shared: ReceiveFixture = {
        do { return try ReceiveFixture() } catch { fatalError("the receive fixture could not be built: \(error)") }
    }()

    private init() throws {
        let random = DeterministicRandom(seed: 0x5eed)
        func uuid() -> UUID {
            let b = random.bytes(16)
            return UUID(
                uuid: (
                    b[0], b[1], b[2], b[3], b[4], b[5], 0x40 | (b[6] & 0x0f), b[7], 0x80 | (b[8] & 0x3f), b[9], b[10],
                    b[11], b[12], b[13], b[14], b[15]
                ))
        }
        let channel = uuid()
        let otherChannel = uuid()
        let bob = DeviceAddress(user: uuid(), device: uuid())
        let alice = DeviceAddress(user: uuid(), device: uuid())
        let carol = DeviceAddress(user: uuid(), device: uuid())
        let dave = DeviceAddress(user: uuid(), device: uuid())

        let bobStore = InMemoryRatchetStore(
            local: LocalIdentity(address: bob, keyPair: .generate(using: random)))
        let signed = X25519.PrivateKey.generate(using: random)
        bobStore.addSignedPreKey(signed, id: 1)
        let oneTime = (0..<4).map { _ in X25519.PrivateKey.generate(using: random) }
        for (index, key) in oneTime.enumerated() { bobStore.addOneTimePreKey(key, id: UInt32(index + 1)) }
        let signature = try SignedPreKeySignature.sign(
            deviceID: bob.device, keyID: 1, signedPreKey: signed.publicKey,
            identityKey: bobStore.localIdentity().keyPair, using: random)
        func bundle(oneTimeKey id: UInt32) -> UserKeyBundle {
            UserKeyBundle(
                userID: bob.user,
                devices: [
                    DeviceKeyBundle(
                        deviceID: bob.device, identityKey: bobStore.localIdentity().keyPair.publicKey.bytes,
                        signedPreKeyID: 1, signedPreKey: signed.publicKey.bytes, signature: signature,
                        oneTimePreKey: OneTimePreKey(keyID: id, publicKey: oneTime[Int(id) - 1].publicKey.bytes))
                ])
        }
        func sender(_ address: DeviceAddress) -> (InMemoryRatchetStore, SessionCipher) {
            let store = InMemoryRatchetStore(local: LocalIdentity(address: address, keyPair: .generate(using: random)))
            store.setDevices([address.device], of: address.user)
            return (store, SessionCipher(keyPairs: RandomKeyPairs(random), random: random))
        }
        var genuine: [Genuine] = []
        func send(
            _ name: String, from address: DeviceAddress, _ party: (InMemoryRatchetStore, SessionCipher),
            bundle: UserKeyBundle?, opens: Bool = true
        ) throws -> Genuine {
            let payload = MessagePayload(
                body: "\(name): fuzz fixture message", senderDevice: address.device, sentAt: "2025-01-01T00:00:00Z")
            let sealed = try party.1.seal(
                payload, channel: channel, participants: [bob.user], bundles: bundle.map { [$0] } ?? [], in: party.0)
            guard let wrap = sealed.wraps.first(where: { $0.recipient == bob }) else {
                throw RatchetError.notAddressedToThisDevice
            }
            let message = Genuine(
                name: name, content: sealed.content, wrap: wrap.bytes, channel: channel, sender: address,
                payload: payload, opens: opens)
            genuine.append(message)
            return message
        }

        // Alice opens a session (one-time pre-key 1) and sends three pre-key wraps; Bob reads the first two and
        // replies, so Alice's next messages are ratchet wraps under a new ratchet key.
        let alicePair = sender(alice)
        let bobCipher = SessionCipher(keyPairs: RandomKeyPairs(random), random: random)
        let a0 = try send("alice-0", from: alice, alicePair, bundle: bundle(oneTimeKey: 1), opens: false)
        let a1 = try send("alice-1", from: alice, alicePair, bundle: nil, opens: false)
        _ = try send("alice-2", from: alice, alicePair, bundle: nil)
        for message in [a0, a1] {
            _ = try bobCipher.open(
                content: message.content, wrap: message.wrap, channel: channel, author: alice.user, in: bobStore)
        }
        bobStore.setDevices([alice.device], of: alice.user)
        bobStore.setDevices([bob.device], of: bob.user)
        let reply = try bobCipher.seal(
            MessagePayload(body: "bob's reply", senderDevice: bob.device, sentAt: "2025-01-01T00:00:01Z"),
            channel: channel, participants: [alice.user], in: bobStore)
        guard let replyWrap = reply.wraps.first(where: { $0.recipient == alice }) else {
            throw RatchetError.notAddressedToThisDevice
        }
        _ = try alicePair.1.open(
            content: reply.content, wrap: replyWrap.bytes, channel: channel, author: bob.user, in: alicePair.0)
        for index in 3...5 { _ = try send("alice-\(index)", from: alice, alicePair, bundle: nil) }

        // Carol starts a session with one-time pre-key 2; Dave is handed one-time pre-key 1 again, which Alice's
        // session consumed (a server that gives a key out twice), so his first message must be refused.
        let carolPair = sender(carol)
        _ = try send("carol-0", from: carol, carolPair, bundle: bundle(oneTimeKey: 2))
        _ = try send("carol-1", from: carol, carolPair, bundle: nil)
        _ = try send("dave-0", from: dave, sender(dave), bundle: bundle(oneTimeKey: 1), opens: false)

        self.bob = bobStore.snapshot
        self.channel = channel
        self.otherChannel = otherChannel
        users = [alice.user, carol.user, bob.user, dave.user]
        devices = [alice.device, carol.device, bob.device, dave.device]
        messages = genuine
    }
}

/// A ``RatchetStore`` over the fixture's state that keeps what is committed in an overlay, so every input starts
/// from the same state without copying it, and the overlay shows exactly what a step wrote.
final class ForkedStore: RatchetStore {
    let base: InMemoryRatchetStore.State
    private(set) var sessionRecords: [DeviceAddress: SessionRecord] = [:]
    private(set) var pins: [DeviceAddress: PinnedIdentity] = [:]
    private(set) var consumed: Set<UInt32> = []
    private(set) var deviceLists: [UUID: [UUID]] = [:]
    private(set) var acceptedBaseKeys: [DeviceAddress: Set<X25519.PublicKey>] = [:]
    private(set) var commits = 0

    init(base: InMemoryRatchetStore.State) { self.base = base }

    func localIdentity() -> LocalIdentity { base.local }
    func pinnedIdentity(for address: DeviceAddress) -> PinnedIdentity? {
        pins[address] ?? base.pinnedIdentities[address]
    }
    func signedPreKey(id: UInt32) -> X25519.PrivateKey? { base.signedPreKeys[id] }
    func oneTimePreKey(id: UInt32) -> X25519.PrivateKey? { consumed.contains(id) ? nil : base.oneTimePreKeys[id] }
    func sessionRecord(for address: DeviceAddress) -> SessionRecord? {
        sessionRecords[address] ?? base.sessionRecords[address]
    }
    func devices(of user: UUID) -> [UUID]? { deviceLists[user] ?? base.deviceLists[user] }
    func acceptedSession(baseKey: X25519.PublicKey, from address: DeviceAddress) -> Bool {
        (acceptedBaseKeys[address] ?? base.acceptedBaseKeys[address] ?? []).contains(baseKey)
    }

    func commit(_ changes: StoreChangeSet) {
        sessionRecords.merge(changes.sessionRecords) { $1 }
        pins.merge(changes.pinnedIdentities) { $1 }
        consumed.formUnion(changes.consumedOneTimePreKeys)
        deviceLists.merge(changes.deviceLists) { $1 }
        for accepted in changes.acceptedBaseKeys {
            acceptedBaseKeys[accepted.address, default: base.acceptedBaseKeys[accepted.address] ?? []].insert(
                accepted.baseKey)
        }
        commits += 1
    }
}
