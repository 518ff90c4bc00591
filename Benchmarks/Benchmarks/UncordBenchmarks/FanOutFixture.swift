import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// `fanout_10_devices`: Alice sends one message to Bob, who has 10 devices, each with an established session (every
/// device received Alice's first message and replied, and Alice read the replies, so her wraps are ratchet wraps
/// and her sends take no DH step). Stores are in memory: the figure is the sessions layer's work, not SQLite's.
final class FanOutFixture {
    static let deviceCount = 10

    let alice = DeviceAddress(user: UUID(), device: UUID())
    let bobUser = UUID()
    let aliceStore: InMemoryRatchetStore
    let cipher = SessionCipher()
    let channel = UUID()
    /// A 256-character body, as in the ratchet benchmarks.
    let payload: MessagePayload

    init() throws {
        let random = SystemRandom()
        aliceStore = InMemoryRatchetStore(local: LocalIdentity(address: alice, keyPair: .generate(using: random)))
        payload = MessagePayload(
            body: String(repeating: "a", count: 256), senderDevice: alice.device, sentAt: "2025-01-01T00:00:00Z")

        var bundles: [DeviceKeyBundle] = []
        var bobs: [(address: DeviceAddress, store: InMemoryRatchetStore)] = []
        for _ in 0..<Self.deviceCount {
            let address = DeviceAddress(user: bobUser, device: UUID())
            let identity = X25519.PrivateKey.generate(using: random)
            let signedPreKey = X25519.PrivateKey.generate(using: random)
            let store = InMemoryRatchetStore(local: LocalIdentity(address: address, keyPair: identity))
            store.addSignedPreKey(signedPreKey, id: 1)
            let signature = try SignedPreKeySignature.sign(
                deviceID: address.device, keyID: 1, signedPreKey: signedPreKey.publicKey, identityKey: identity,
                using: random)
            bundles.append(
                DeviceKeyBundle(
                    deviceID: address.device, identityKey: identity.publicKey.bytes, signedPreKeyID: 1,
                    signedPreKey: signedPreKey.publicKey.bytes, signature: signature))
            bobs.append((address, store))
        }
        // Alice's first message starts the 10 sessions; each device reads it and replies.
        let first = try cipher.seal(
            payload, channel: channel, participants: [bobUser],
            bundles: [
                UserKeyBundle(userID: bobUser, devices: bundles), UserKeyBundle(userID: alice.user, devices: []),
            ],
            in: aliceStore)
        for bob in bobs {
            guard let wrap = first.wraps.first(where: { $0.recipient == bob.address }) else {
                throw BenchmarkFailure.failed("no wrap for a device")
            }
            _ = try cipher.open(
                content: first.content, wrap: wrap.bytes, channel: channel, author: alice.user, in: bob.store)
            // Bob's device replies to Alice alone: its store lists no other device of Bob's.
            bob.store.setDevices([alice.device], of: alice.user)
            bob.store.setDevices([bob.address.device], of: bobUser)
            let reply = try cipher.seal(
                MessagePayload(body: "hi", senderDevice: bob.address.device, sentAt: "2025-01-01T00:00:00Z"),
                channel: channel, participants: [alice.user], in: bob.store)
            guard let back = reply.wraps.first, reply.wraps.count == 1 else {
                throw BenchmarkFailure.failed("the reply is not for Alice alone")
            }
            _ = try cipher.open(
                content: reply.content, wrap: back.bytes, channel: channel, author: bobUser, in: aliceStore)
        }
        guard
            aliceStore.sessionRecord(for: bobs[0].address)?.active.pendingPreKey == nil,
            try send().wraps.allSatisfy({ $0.bytes.count == KeyWrap.ratchetByteCount })
        else { throw BenchmarkFailure.failed("the sessions are not established") }
    }

    /// One measured operation: the message sealed for the 10 devices (content once, 10 ratchet wraps, one commit).
    func send() throws -> SealedMessage {
        try cipher.seal(payload, channel: channel, participants: [bobUser], in: aliceStore)
    }

    /// The padded payload's length in the content, for the floor (content = version, nonce, padded payload, tag).
    func paddedPayloadCount() throws -> Int {
        try send().content.count - 1 - XChaCha20Poly1305.nonceByteCount - XChaCha20Poly1305.tagByteCount
    }
}
