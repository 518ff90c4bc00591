import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension HostileCatalogue {
    /// Issue 13: what a server that wants to add a reader can try (LINKED_DEVICES.md A2). Each is refused and leaves
    /// Bob's store exactly as it was.
    static let linkedDeviceCases: [HostileCase] = [
        .send("first contact whose devices carry two different account keys", { .ambiguousIdentity(user: $0.dave) }) {
            f in
            let (one, two) = (
                X25519.PrivateKey.generate(using: SystemRandom()), X25519.PrivateKey.generate(using: SystemRandom())
            )
            var list = try f.bundle(user: f.dave, device: UUID(), identity: one.publicKey, signer: one)
            list.devices += try f.bundle(user: f.dave, device: UUID(), identity: two.publicKey, signer: two).devices
            return .list(list)
        },
        .send("first contact listing one device id twice", { .noBundle(user: $0.dave) }) { f in
            let identity = X25519.PrivateKey.generate(using: SystemRandom())
            let device = UUID()
            var list = try f.bundle(user: f.dave, device: device, identity: identity.publicKey, signer: identity)
            list.devices += try f.bundle(user: f.dave, device: device, identity: identity.publicKey, signer: identity)
                .devices
            return .list(list)
        },
        .send("first contact with a device whose pre-key is signed by another key", { .noBundle(user: $0.dave) }) {
            f in
            let (listed, signer) = (
                X25519.PrivateKey.generate(using: SystemRandom()), X25519.PrivateKey.generate(using: SystemRandom())
            )
            return .list(try f.bundle(user: f.dave, device: UUID(), identity: listed.publicKey, signer: signer))
        },
        HostileCase(
            name: "DM_MESSAGE_CREATE from a device of Alice's that holds another key, its list unreachable",
            entryPoint: .gateway, expected: { _ in .events([.undecryptable(.identityUnconfirmed)]) }
        ) { f in
            let message = try await f.messageFromUnlinkedDevice(of: f.alice.user)
            f.hostile.answerBundles(.failure)
            let bytes = try HostileFixture.dispatch(.dmMessageCreate, message)
            return { Outcome.ofFrame(bytes, await f.bob.engine.process(frame: bytes)) }
        },
    ]
}

extension HostileFixture {
    /// A first message to Bob from a new device of `user`'s that holds its own identity key, not the account key:
    /// a device the server added. Made by a real session from a real bundle of Bob's.
    func messageFromUnlinkedDevice(of user: UUID) async throws -> Message {
        let address = DeviceAddress(user: user, device: UUID())
        let store = InMemoryRatchetStore(
            local: LocalIdentity(address: address, keyPair: .generate(using: SystemRandom())))
        store.setDevices([address.device], of: user)
        let bundle = try await server.keyBundle(of: bobAddress.user)
        let payload = MessagePayload(
            body: "hello from a device nobody linked", senderDevice: address.device, sentAt: "2025-01-01T00:00:00Z")
        let sealed = try SessionCipher().seal(
            payload, channel: channel, participants: [bobAddress.user], bundles: [bundle], in: store)
        let wrap = try #require(sealed.wraps.first { $0.recipient == bobAddress })
        return message(content: sealed.contentText, wrap: wrap.bytes, author: user)
    }
}
