import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

/// Makes a crash-test directory: the receiving store and the stream its senders sealed for it.
///
/// Everything but the store's own sealing nonces follows from the seed. The senders are in-memory devices, each a
/// user of its own in its own DM channel with the receiver; they never hear back, so every wrap is a pre-key wrap
/// of one long chain. The delivery order interleaves the senders at random, holds back about 8% of the messages
/// (never a sender's first) by 1–6 places so the receiver stores and later uses skipped keys, and repeats about
/// 2% of the lines as gateway replays.
enum CrashStream {
    /// The share of messages delivered late.
    static let heldBackShare = 0.08
    /// The share of lines followed by a replay of an earlier line.
    static let replayShare = 0.02

    /// Writes the directory's files (``StreamFiles``) and returns a one-line summary.
    static func prepare(in files: StreamFiles, seed: UInt64?, messages: Int, senders: Int) throws -> String {
        guard let seed else { throw HelperError.usage("prepare needs --seed N") }
        try FileManager.default.createDirectory(at: files.directory, withIntermediateDirectories: true)
        guard !FileManager.default.fileExists(atPath: files.store) else {
            throw HelperError.usage("\(files.store) already exists")
        }
        let random = DeterministicRandom(seed: seed)
        var schedule = SeededGenerator(seed: seed)

        let storeKey = SecureBytes(random: 32, using: random)
        let receiver = DeviceAddress(user: UUID(using: random), device: UUID(using: random))
        let store = try SQLiteStore.create(
            at: files.store, device: receiver, label: "crash test", key: .rawKey(storeKey),
            oneTimePreKeys: senders, random: DeterministicRandom(seed: seed &+ 1))
        let receiverBundles = try Self.bundle(of: store)
        let keyWritten = storeKey.withUnsafeBytes {
            FileManager.default.createFile(
                atPath: files.key.path, contents: Data($0), attributes: [.posixPermissions: 0o600])
        }
        guard keyWritten else { throw HelperError.badInput("cannot write \(files.key.path)") }

        var devices = try (0..<senders).map { index in
            try Sender(index: index, random: random, receiver: receiver, bundle: receiverBundles[index])
        }
        try store.markPublished(oneTimePreKeys: receiverBundles.compactMap { $0.oneTimePreKey?.keyID })

        // Seal in chain order, choosing the sender of each message at random.
        var sealed: [(message: Message, holdBack: Int)] = []
        var expected: [String] = []
        var remaining = Self.split(messages, among: senders)
        while let sender = Self.pick(&remaining, using: &schedule) {
            let body = "message \(sealed.count) of seed \(seed)"
            let message = try devices[sender].seal(body: body)
            let first = devices[sender].sent == 1
            let holdBack = !first && schedule.chance(heldBackShare) ? Int.random(in: 1...6, using: &schedule) : 0
            sealed.append((message, holdBack))
            expected.append(devices[sender].expectedLine(message, body: body))
        }
        // Deliver: held-back messages move later; then replays of earlier lines are slipped in.
        let order = sealed.indices.sorted { a, b in
            let keyA = Double(a + sealed[a].holdBack) + (sealed[a].holdBack > 0 ? 0.5 : 0)
            let keyB = Double(b + sealed[b].holdBack) + (sealed[b].holdBack > 0 ? 0.5 : 0)
            return keyA != keyB ? keyA < keyB : a < b
        }
        var lines: [String] = []
        var replays = 0
        for index in order {
            lines.append(try StreamFiles.line(for: sealed[index].message))
            if lines.count > 1, schedule.chance(replayShare) {
                lines.append(lines[Int.random(in: 0..<(lines.count - 1), using: &schedule)])
                replays += 1
            }
        }
        var tail: [String] = []
        for index in devices.indices {
            let body = "after the stream, sender \(index), seed \(seed)"
            let message = try devices[index].seal(body: body)
            tail.append(try StreamFiles.line(for: message))
            expected.append(devices[index].expectedLine(message, body: body))
        }
        try Self.write(lines, to: files.stream)
        try Self.write(tail, to: files.tail)
        try Self.write(expected, to: files.expected)
        let held = sealed.filter { $0.holdBack > 0 }.count
        return "prepared \(messages) messages from \(senders) senders (\(held) held back, \(replays) replays) "
            + "and \(tail.count) tail messages"
    }

    /// The receiver's bundle as the server would hand it to each sender, one one-time pre-key each.
    private static func bundle(of store: SQLiteStore) throws -> [DeviceKeyBundle] {
        let local = try store.localIdentity()
        let signed = try store.currentSignedPreKey()
        return try store.pendingOneTimePreKeys().map { key in
            DeviceKeyBundle(
                deviceID: local.address.device, identityKey: local.keyPair.publicKey.bytes,
                signedPreKeyID: signed.id, signedPreKey: signed.publicKey.bytes, signature: signed.signature,
                oneTimePreKey: OneTimePreKey(keyID: key.id, publicKey: key.publicKey.bytes))
        }
    }

    /// `total` split as evenly as possible among `count`.
    private static func split(_ total: Int, among count: Int) -> [Int] {
        (0..<count).map { total / count + ($0 < total % count ? 1 : 0) }
    }

    /// A random index with messages left, weighted by how many; `nil` when none are left.
    private static func pick(_ remaining: inout [Int], using generator: inout SeededGenerator) -> Int? {
        let total = remaining.reduce(0, +)
        guard total > 0 else { return nil }
        var draw = Int.random(in: 0..<total, using: &generator)
        for index in remaining.indices {
            if draw < remaining[index] {
                remaining[index] -= 1
                return index
            }
            draw -= remaining[index]
        }
        return nil
    }

    private static func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }
}

/// One in-memory sender device, a user of its own.
private struct Sender {
    let index: Int
    let address: DeviceAddress
    let channel: UUID
    let store: InMemoryRatchetStore
    let cipher: SessionCipher
    let receiver: DeviceAddress
    let random: DeterministicRandom
    /// The bundles for the first send: the receiver's, and this device's own (its user's device list).
    var firstBundles: [UserKeyBundle]
    /// How many messages it has sealed.
    var sent = 0

    init(index: Int, random: DeterministicRandom, receiver: DeviceAddress, bundle: DeviceKeyBundle) throws {
        self.index = index
        self.receiver = receiver
        self.random = random
        address = DeviceAddress(user: UUID(using: random), device: UUID(using: random))
        channel = UUID(using: random)
        let local = LocalIdentity(address: address, keyPair: .generate(using: random))
        store = InMemoryRatchetStore(local: local)
        cipher = SessionCipher(keyPairs: RandomKeyPairs(random), random: random)
        let signedPreKey = X25519.PrivateKey.generate(using: random)
        store.addSignedPreKey(signedPreKey, id: 1)
        let own = DeviceKeyBundle(
            deviceID: address.device, identityKey: local.keyPair.publicKey.bytes, signedPreKeyID: 1,
            signedPreKey: signedPreKey.publicKey.bytes,
            signature: try SignedPreKeySignature.sign(
                deviceID: address.device, keyID: 1, signedPreKey: signedPreKey.publicKey, identityKey: local.keyPair,
                using: random))
        firstBundles = [
            UserKeyBundle(userID: receiver.user, devices: [bundle]),
            UserKeyBundle(userID: address.user, devices: [own]),
        ]
    }

    /// Seals the next message for the receiver, as the server would deliver it.
    mutating func seal(body: String) throws -> Message {
        let createdAt = Timestamp(Date(timeIntervalSince1970: 1_735_689_600 + Double(sent)))
        let sentAt = createdAt.text
        let payload = MessagePayload(body: body, senderDevice: address.device, sentAt: sentAt)
        let sealed = try cipher.seal(
            payload, channel: channel, participants: [receiver.user], bundles: firstBundles, in: store)
        firstBundles = []
        sent += 1
        guard let wrap = sealed.wraps.first(where: { $0.recipient == receiver }) else {
            throw HelperError.badInput("no wrap for the receiver")
        }
        return Message(
            id: UUID(using: random), channelID: channel,
            author: .init(id: address.user, username: "sender-\(index)"), content: sealed.contentText,
            encrypted: true, messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: wrap.bytes)],
            createdAt: createdAt)
    }

    /// The `expected.tsv` line of a message this sender sealed with `body`.
    func expectedLine(_ message: Message, body: String) -> String {
        "\(message.id.uuidString.lowercased())\t\(address.device.uuidString.lowercased())\t\(body)"
    }
}
