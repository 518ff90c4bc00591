import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

/// A receiving ``SQLiteStore`` in a scratch directory (raw key, WAL, `synchronous=NORMAL`: the defaults), with a
/// way to fill it with sessions and one measured sender whose messages are sealed before any measurement.
final class ReceiverStore {
    let directory: URL
    let path: String
    let key: SecureBytes
    private(set) var store: SQLiteStore?
    let cipher = SessionCipher()
    let address: DeviceAddress
    private let bundle: DeviceKeyBundle
    /// The peer devices with a session in the store, the measured sender's included.
    private(set) var sessionCount = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("uncord-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("store.sqlite").path
        key = SecureBytes(random: 32, using: SystemRandom())
        address = DeviceAddress(user: UUID(), device: UUID())
        let store = try SQLiteStore.create(at: path, device: address, key: .rawKey(key), oneTimePreKeys: 0)
        let local = try store.localIdentity()
        let signed = try store.currentSignedPreKey()
        bundle = DeviceKeyBundle(
            deviceID: address.device, identityKey: local.keyPair.publicKey.bytes, signedPreKeyID: signed.id,
            signedPreKey: signed.publicKey.bytes, signature: signed.signature)
        self.store = store
    }

    deinit {
        store = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// The open store (a benchmark failure once ``close()`` was called).
    func open() throws -> SQLiteStore {
        guard let store else { throw BenchFailure("the store is closed") }
        return store
    }

    /// Closes the store (releasing its lock) so another process can open the file.
    func close() { store = nil }

    /// A new peer device with a session to this store: its first (pre-key) message sealed and received.
    func makeSender() throws -> Sender {
        let sender = Sender(receiver: address, bundle: bundle)
        _ = try open().receive(try sender.messages(1)[0], using: cipher)
        sessionCount += 1
        return sender
    }

    /// Adds sessions with new peer devices until the store holds `total`, 100 first messages per transaction.
    func growSessions(to total: Int) throws {
        let store = try open()
        while sessionCount < total {
            let batch = try (0..<min(100, total - sessionCount)).map { _ in
                try Sender(receiver: address, bundle: bundle).messages(1)[0]
            }
            for result in try store.receive(batch, using: cipher) { _ = try result.get() }
            sessionCount += batch.count
        }
    }
}

/// A peer device that sends to the receiver from an in-memory store; sealing is never measured.
final class Sender {
    let address = DeviceAddress(user: UUID(), device: UUID())
    private let store: InMemoryRatchetStore
    private let cipher = SessionCipher()
    private let receiver: DeviceAddress
    private let channel = UUID()
    private var bundles: [UserKeyBundle]
    /// A 256-character body, like the ratchet benchmarks' 256-byte payload.
    private let body = String(repeating: "a", count: 256)

    init(receiver: DeviceAddress, bundle: DeviceKeyBundle) {
        self.receiver = receiver
        store = InMemoryRatchetStore(
            local: LocalIdentity(address: address, keyPair: .generate(using: SystemRandom())))
        // This sender has no other device: its own user's device list is empty.
        bundles = [
            UserKeyBundle(userID: receiver.user, devices: [bundle]), UserKeyBundle(userID: address.user, devices: []),
        ]
    }

    /// The next `count` messages, as the server delivers them to the receiver.
    func messages(_ count: Int) throws -> [Message] {
        try (0..<count).map { _ in
            let payload = MessagePayload(body: body, senderDevice: address.device, sentAt: "2025-01-01T00:00:00Z")
            let sealed = try cipher.seal(
                payload, channel: channel, participants: [receiver.user], bundles: bundles, in: store)
            bundles = []
            guard let wrap = sealed.wraps.first, let createdAt = Timestamp(rfc3339: "2025-01-01T00:00:00Z") else {
                throw BenchFailure("no wrap for the receiver")
            }
            return Message(
                id: UUID(), channelID: channel, author: .init(id: address.user, username: "sender"),
                content: sealed.contentText, encrypted: true,
                messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: wrap.bytes)],
                createdAt: createdAt)
        }
    }
}

/// A benchmark that cannot go on (a fixture came out wrong: a bug in the benchmark, never expected).
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
