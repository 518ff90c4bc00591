import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

/// A receiving ``SQLiteStore`` in a scratch directory (raw key, WAL, `synchronous=NORMAL`: the defaults) and an
/// in-memory sender with a session to it, for the persisted-receive benchmarks. Sealing happens outside the
/// measurement; only ``SQLiteStore`` receiving is timed.
final class StoreFixture {
    let directory: URL
    let store: SQLiteStore
    /// The receiver's cipher.
    let receiverCipher = SessionCipher()
    private let receiver: DeviceAddress
    private let sender: DeviceAddress
    private let senderStore: InMemoryRatchetStore
    private let cipher = SessionCipher()
    private let channel = UUID()
    private var bundles: [UserKeyBundle]
    /// A 256-character message body, like the ratchet benchmarks' 256-byte payload.
    private let body = String(repeating: "a", count: 256)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("uncord-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        receiver = DeviceAddress(user: UUID(), device: UUID())
        store = try SQLiteStore.create(
            at: directory.appendingPathComponent("store.sqlite").path, device: receiver,
            key: .rawKey(SecureBytes(random: 32, using: SystemRandom())), oneTimePreKeys: 1)

        sender = DeviceAddress(user: UUID(), device: UUID())
        let identity = X25519.PrivateKey.generate(using: SystemRandom())
        senderStore = InMemoryRatchetStore(local: LocalIdentity(address: sender, keyPair: identity))
        let local = try store.localIdentity()
        let signed = try store.currentSignedPreKey()
        let oneTime = try store.pendingOneTimePreKeys().first
        let receiverBundle = DeviceKeyBundle(
            deviceID: receiver.device, identityKey: local.keyPair.publicKey.bytes, signedPreKeyID: signed.id,
            signedPreKey: signed.publicKey.bytes, signature: signed.signature,
            oneTimePreKey: oneTime.map { OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes) })
        // This sender has no other device: its own user's device list is empty.
        bundles = [
            UserKeyBundle(userID: receiver.user, devices: [receiverBundle]),
            UserKeyBundle(userID: sender.user, devices: []),
        ]
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The sender's next `count` messages, as the server would deliver them to the receiver.
    func messages(_ count: Int) throws -> [Message] {
        try (0..<count).map { _ in
            let payload = MessagePayload(body: body, senderDevice: sender.device, sentAt: "2025-01-01T00:00:00Z")
            let sealed = try cipher.seal(
                payload, channel: channel, participants: [receiver.user], bundles: bundles, in: senderStore)
            bundles = []
            guard let wrap = sealed.wraps.first, let createdAt = Timestamp(rfc3339: "2025-01-01T00:00:00Z") else {
                throw BenchmarkFailure.failed("no wrap for the receiver")
            }
            return Message(
                id: UUID(), channelID: channel, author: .init(id: sender.user, username: "sender"),
                content: sealed.contentText, encrypted: true,
                messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: wrap.bytes)],
                createdAt: createdAt)
        }
    }
}
