import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// The victim of the hostile-input catalogue: Bob's device — an SQLite store, and an engine whose server is a
/// ``HostileServer`` — after a short genuine history, with one genuine message still on its way to it.
///
/// History: Alice writes to Bob, Bob answers, Alice writes again, so their session is past its pre-key wraps;
/// Carol writes to Bob once, a pre-key wrap that used up one of Bob's one-time pre-keys. Then Alice writes a third
/// time, and Bob's gateway loses that message (``pending``).
// @unchecked Sendable: each catalogue case builds its own fixture and uses it from one task.
struct HostileFixture: @unchecked Sendable {
    let directory: Scratch
    let server: TestServer
    let hostile: HostileServer
    let alice: TestDevice
    let carol: TestDevice
    let bob: TestDevice
    /// Alice and Bob's DM channel.
    let channel: UUID
    /// Carol and Bob's DM channel.
    let carolChannel: UUID
    /// A user Bob's device has never heard of.
    let dave = UUID()
    /// Alice's third message as the list route gives it to Bob's device (its wrap as `device_id ""`); not received.
    let pending: Message
    /// Alice's second message, already received by Bob's device, with its wrap.
    let received: Message
    /// Carol's first message (a pre-key wrap naming a one-time pre-key), already received, with its wrap.
    let carolFirst: Message

    static func make() async throws -> HostileFixture {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory, oneTimePreKeys: 20)
        let carol = try await makeDevice("carol", server: server, in: directory, oneTimePreKeys: 20)
        let me = DeviceAddress(user: UUID(), device: UUID())
        let store = try SQLiteStore.create(
            at: directory.path("bob"), device: me, key: .rawKey(SecureBytes(random: 32, using: SystemRandom())),
            oneTimePreKeys: 20)
        let hostile = HostileServer(honest: await server.client(for: me.user))
        // Session recovery off: the catalogue shows that hostile input changes nothing the decryption keeps. A
        // message no session can open does start a recovery when it is on — a deliberate, rate-limited change
        // that `SessionRecoveryTests` covers (a forged message starts one, and loses nothing).
        var configuration = E2EEConfiguration()
        configuration.sessionRecoveryInterval = nil
        let engine = try E2EEEngine(
            store: store, server: hostile, logger: quietLogger, configuration: configuration)
        try await engine.bootstrap()
        let bob = TestDevice(store: store, engine: engine, server: server)

        let channel = await server.createChannel([alice.user, me.user])
        let carolChannel = await server.createChannel([carol.user, me.user])
        try await alice.send("hello bob", channel: channel, to: [me.user])
        _ = await bob.pump()
        try await bob.send("hi alice", channel: channel, to: [alice.user])
        _ = await alice.pump()
        let second = try await alice.send("how are you?", channel: channel, to: [me.user])
        let fromCarol = try await carol.send("hello from carol", channel: carolChannel, to: [me.user])
        _ = await bob.pump()
        let third = try await alice.send("this one is still on its way", channel: channel, to: [me.user])
        _ = await server.drainFrames(for: me.user, device: me.device)
        _ = await alice.pump()
        _ = await carol.pump()

        let listed = try await hostile.honest.messages(channel: channel, device: me.device, before: nil, limit: 50)
        let carolListed = try await hostile.honest.messages(
            channel: carolChannel, device: me.device, before: nil, limit: 50)
        let fixture = HostileFixture(
            directory: directory, server: server, hostile: hostile, alice: alice, carol: carol, bob: bob,
            channel: channel, carolChannel: carolChannel,
            pending: try #require(listed.first { $0.id == third.id }),
            received: try #require(listed.first { $0.id == second.id }),
            carolFirst: try #require(carolListed.first { $0.id == fromCarol.id }))
        try #require(try store.message(id: second.id) != nil, "Bob's device received Alice's second message")
        try #require(try store.message(id: fromCarol.id) != nil, "Bob's device received Carol's message")
        try #require(try store.message(id: third.id) == nil, "Alice's third message is still on its way")
        try #require(fixture.carolFirst.wrap.first == 2, "Carol's first message is a pre-key wrap")
        try #require(fixture.pending.wrap.first == 1, "Alice's third message is a ratchet wrap")
        return fixture
    }

    // MARK: Building hostile messages

    /// A message to Bob's device with this content text and wrap, as a server could deliver it.
    func message(
        id: UUID = UUID(), content: String, wrap: [UInt8], channel: UUID? = nil, author: UUID? = nil,
        recipient: EncryptedMessageKey.Recipient = .thisDevice
    ) -> Message {
        Message(
            id: id, channelID: channel ?? self.channel, author: .init(id: author ?? alice.user, username: "user"),
            content: content, encrypted: true,
            messageKeys: [EncryptedMessageKey(recipient: recipient, encryptedKey: wrap)],
            createdAt: TestServer.timestamp)
    }

    /// `message` under a new id with its wrap changed by `change`.
    func withWrap(_ message: Message, _ change: (inout [UInt8]) -> Void) -> Message {
        var wrap = message.wrap
        change(&wrap)
        return self.message(content: message.content, wrap: wrap, channel: message.channelID, author: message.author.id)
    }

    /// A message from Alice's device sealed by Alice's real session over content bytes of the case's choosing:
    /// what a broken or malicious sender can make. The wrap's digest matches the content.
    func craftedByAlice(content: [UInt8], contentKey: SecureBytes) throws -> Message {
        let record = try #require(try alice.store.sessionRecord(for: bob.engine.address))
        var ratchet = record.active.ratchet
        let wrap = try Envelope.wrap(
            contentKey: contentKey, content: content, senderDevice: alice.device, preKey: nil, ratchet: &ratchet)
        return message(content: Base64.encode(content), wrap: wrap.encoded)
    }

    /// A message from Alice's device whose content is properly sealed around these payload bytes.
    func craftedByAlice(payload: [UInt8]) throws -> Message {
        let key = SecureBytes(random: 32, using: SystemRandom())
        let content = try ContentCipher.seal(
            payload: payload, contentKey: key, nonce: SystemRandom().bytes(24), channel: channel, author: alice.user)
        return try craftedByAlice(content: content, contentKey: key)
    }

    /// A message from Alice's device whose content is `version || nonce || AEAD(padded)` with padding (or none) of
    /// the case's choosing, authenticated under the right channel and author.
    func craftedByAlice(padded: [UInt8], version: UInt8 = ContentCipher.version) throws -> Message {
        let key = SecureBytes(random: 32, using: SystemRandom())
        let nonce = SystemRandom().bytes(24)
        let sealed = try XChaCha20Poly1305.seal(
            padded, key: key, nonce: nonce,
            authenticating: Array("UEDM1 Content".utf8) + channel.rawBytes + alice.user.rawBytes)
        return try craftedByAlice(content: [version] + nonce + sealed, contentKey: key)
    }

    /// Alice's payload JSON for a body, with fields replaced or removed by `change`.
    func payloadJSON(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object: [String: Any] = [
            "v": 1, "type": "text", "body": "a crafted message", "sender_device": alice.device.uuidString.lowercased(),
            "sent_at": "2025-01-01T00:00:00Z",
        ]
        change(&object)
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// A valid payload from Alice's device whose content would be about 4100 characters.
    func oversizedPayload() throws -> [UInt8] {
        try payloadJSON { $0["body"] = String(repeating: "x", count: 2950) }
    }

    /// A signed bundle list for `user` naming `device` with this identity key, signed by `signer` (the key's own
    /// private half when it has one).
    func bundle(
        user: UUID, device: UUID, identity: X25519.PublicKey, signer: X25519.PrivateKey?,
        signature override: [UInt8]? = nil
    ) throws -> UserKeyBundle {
        let signed = X25519.PrivateKey.generate(using: SystemRandom())
        let signature =
            try override
            ?? SignedPreKeySignature.sign(
                deviceID: device, keyID: 1, signedPreKey: signed.publicKey,
                identityKey: try #require(signer), using: SystemRandom())
        return UserKeyBundle(
            userID: user,
            devices: [
                DeviceKeyBundle(
                    deviceID: device, identityKey: identity.bytes, signedPreKeyID: 1,
                    signedPreKey: signed.publicKey.bytes, signature: signature,
                    oneTimePreKey: OneTimePreKey(
                        keyID: 1, publicKey: X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes))
            ])
    }

    /// A gateway dispatch frame's text.
    static func dispatch(_ type: String, _ data: String, sequence: Int = 900) -> [UInt8] {
        Array(#"{"op":0,"s":\#(sequence),"t":"\#(type)","d":\#(data)}"#.utf8)
    }

    /// A gateway dispatch frame carrying `payload` as its `d`.
    static func dispatch(_ type: DispatchEvent, _ payload: some Encodable) throws -> [UInt8] {
        Frame(op: .dispatch, sequence: 900, type: type, data: try RawJSON(encoding: payload)).encoded()
    }
}

extension Message {
    /// The bytes of the first key wrap the message carries (empty when it has none).
    var wrap: [UInt8] { messageKeys?.first?.encryptedKey ?? [] }
}

extension UUID {
    /// The 16 bytes in RFC 4122 order.
    var rawBytes: [UInt8] { withUnsafeBytes(of: uuid) { Array($0) } }
}

/// Byte surgery on key wraps (PROTOCOL.md section 5): a ratchet wrap's header starts at byte 17, a pre-key wrap's
/// at byte 89, after `IK_A` (17), `EK_A` (49), `spk_id` (81) and `opk_id` (85).
enum WrapBytes {
    static func headerOffset(_ wrap: [UInt8]) -> Int { wrap.first == 2 ? 89 : 17 }

    static func write(_ value: UInt32, into wrap: inout [UInt8], at offset: Int) {
        for index in 0..<4 { wrap[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
    }

    static func read(_ wrap: [UInt8], at offset: Int) -> UInt32 {
        wrap[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Sets the header's message number `N`.
    static func setMessageNumber(_ value: UInt32, in wrap: inout [UInt8]) {
        write(value, into: &wrap, at: headerOffset(wrap) + 37)
    }

    /// Sets the header's previous chain length `PN`.
    static func setPreviousChainLength(_ value: UInt32, in wrap: inout [UInt8]) {
        write(value, into: &wrap, at: headerOffset(wrap) + 33)
    }

    /// Replaces the header's ratchet key.
    static func setRatchetKey(_ key: [UInt8], in wrap: inout [UInt8]) {
        let start = headerOffset(wrap) + 1
        wrap.replaceSubrange(start..<(start + 32), with: key)
    }

    /// The header's message number.
    static func messageNumber(_ wrap: [UInt8]) -> UInt32 { read(wrap, at: headerOffset(wrap) + 37) }

    /// The 32 bytes at `offset`.
    static func key(_ wrap: [UInt8], at offset: Int) -> [UInt8] { Array(wrap[offset..<(offset + 32)]) }
}

/// Public keys no honest device can have: points of small order on Curve25519, and non-canonical encodings.
enum HostileKeys {
    /// u = 0: order 2 (with u = p, its non-canonical twin).
    static let zero = LowOrderPoints.zero
    /// u = 1: order 4.
    static let one = LowOrderPoints.one
    /// A point of order 8.
    static let orderEight = LowOrderPoints.orderEight
    /// u = p = 2^255 − 19, the non-canonical encoding of 0.
    static let p = LowOrderPoints.p

    /// `key` with bit 255 set: the same point to X25519, a different encoding to everything that compares bytes.
    static func highBitSet(_ key: [UInt8]) -> [UInt8] {
        var key = key
        key[31] |= 0x80
        return key
    }
}

extension HostileFixture {
    /// Bob's device's address.
    var bobAddress: DeviceAddress { bob.engine.address }

    /// A first message from a device of Dave's, made by a real session from a real bundle of Bob's that the
    /// honest server hands out (so it names a one-time pre-key Bob's device still has): genuine, deliverable.
    /// `replacingOneTimePreKey` makes the bundle name another key id instead, as a server that hands a key out
    /// twice would.
    func daveFirstMessage(replacingOneTimePreKey id: UInt32? = nil) async throws -> Message {
        let address = DeviceAddress(user: dave, device: UUID())
        let store = InMemoryRatchetStore(
            local: LocalIdentity(address: address, keyPair: .generate(using: SystemRandom())))
        store.setDevices([address.device], of: dave)
        var bundle = try await server.keyBundle(of: bobAddress.user)
        if let id {
            bundle.devices[0].oneTimePreKey = OneTimePreKey(
                keyID: id, publicKey: X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes)
        }
        let payload = MessagePayload(
            body: "hello from dave", senderDevice: address.device, sentAt: "2025-01-01T00:00:00Z")
        let sealed = try SessionCipher().seal(
            payload, channel: channel, participants: [bobAddress.user], bundles: [bundle], in: store)
        let wrap = try #require(sealed.wraps.first { $0.recipient == bobAddress })
        return message(content: sealed.contentText, wrap: wrap.bytes, author: dave)
    }

    /// Every secret of Bob's, Alice's and Carol's devices (keys and session state) and the texts of the messages.
    func secrets() throws -> SecretText {
        var secrets = SecretText()
        try secrets.addKeys(of: bob.store, "bob")
        try secrets.addKeys(of: alice.store, "alice")
        try secrets.addKeys(of: carol.store, "carol")
        for text in Self.bodies + ["a crafted message", "hello from dave", "hello from a device nobody linked"] {
            secrets.add(text: text, "\"\(text)\"")
        }
        return secrets
    }

    /// The texts of the fixture's genuine messages.
    static let bodies = [
        "hello bob", "hi alice", "how are you?", "hello from carol", "this one is still on its way",
    ]

    /// The one-time pre-key id Carol's first message used (consumed on Bob's device since).
    var carolsOneTimePreKey: UInt32 { WrapBytes.read(carolFirst.wrap, at: 85) }
}
