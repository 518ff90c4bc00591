import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// Sessions (PROTOCOL.md section 6): fan-out, session start and trust, pre-keys, and that every failure leaves every
/// store exactly as it was. Every test runs on the in-memory store and on its SQLite twin.
@Suite("Sessions")
struct SessionCipherTests {
    @Test(
        "A message is wrapped for every other device of every participant, never for the sending device",
        arguments: StoreKind.allCases)
    func fanOut(store kind: StoreKind) throws {
        let world = TestWorld(seed: 1, store: kind)
        let (alice, bob, carol) = (world.user(), world.user(), world.user())
        let a = try (0..<3).map { _ in try world.device(of: alice) }
        let b = try (0..<2).map { _ in try world.device(of: bob) }
        let c = try world.device(of: carol)

        let sealed = try world.send("hello", from: a[0], to: [bob, carol])
        let expected = Set((a.dropFirst() + b + [c]).map(\.address))
        #expect(Set(sealed.wraps.map(\.recipient)) == expected)
        #expect(sealed.wraps.count == expected.count)
        #expect(!sealed.wraps.contains { $0.recipient == a[0].address })
        #expect(sealed.messageKeys.count == 5)
        #expect(!sealed.messageKeys.contains { $0.recipient == .device(a[0].address.device) })

        for device in a.dropFirst() + b + [c] {
            let opened = try world.open(sealed, at: device, from: a[0])
            #expect(opened.payload.body == "hello")
            #expect(opened.sender == a[0].address)
            #expect(opened.startedSession)
        }

        // The sending device cannot read its own message: there is no wrap for it.
        let message = Message(
            id: UUID(), channelID: world.channel, author: .init(id: alice, username: "alice"),
            content: sealed.contentText, encrypted: true, messageKeys: sealed.messageKeys,
            createdAt: try #require(Timestamp(rfc3339: "2025-01-01T00:00:00Z")))
        #expect(ratchetError { try a[0].cipher.open(message, in: a[0].store) } == .notAddressedToThisDevice)

        // A reply from Carol goes to all of Alice's devices and Bob's, not back to Carol's only device.
        let reply = try world.send("hi all", from: c, to: [alice, bob])
        #expect(Set(reply.wraps.map(\.recipient)) == Set((a + b).map(\.address)))
    }

    @Test("Messages as the server delivers them open through the Uncord message type", arguments: StoreKind.allCases)
    func openServerMessage(store kind: StoreKind) throws {
        let world = TestWorld(seed: 2, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)
        let sealed = try world.send("through the wire", from: a, to: [bob])
        let request = sealed.request()
        let delivered = Message(
            id: UUID(), channelID: world.channel, author: .init(id: alice, username: "alice"),
            content: request.content, encrypted: true,
            messageKeys: [
                EncryptedMessageKey(recipient: .thisDevice, encryptedKey: request.messageKeys[0].encryptedKey)
            ],
            createdAt: try #require(Timestamp(rfc3339: "2025-01-01T00:00:00Z")))
        #expect(try b.cipher.open(delivered, in: b.store).payload.body == "through the wire")
    }

    @Test(
        "An initiator sends pre-key wraps until it has heard from the peer, then ratchet wraps",
        arguments: StoreKind.allCases)
    func preKeyWrapsUntilReply(store kind: StoreKind) throws {
        let world = TestWorld(seed: 3, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)

        let first = try world.send("1", from: a, to: [bob])
        let second = try world.send("2", from: a, to: [bob])
        #expect(first.wraps.map(\.bytes.count) == [KeyWrap.preKeyByteCount])
        #expect(second.wraps.map(\.bytes.count) == [KeyWrap.preKeyByteCount])
        // The second repeats the first's X3DH fields, so it is read in the session the first one started.
        #expect(try world.open(second, at: b, from: a).startedSession)
        #expect(try world.open(first, at: b, from: a).startedSession == false)
        #expect(try b.store.sessionRecord(for: a.address)?.sessions.count == 1)

        let reply = try world.send("3", from: b, to: [alice])
        #expect(reply.wraps.map(\.bytes.count) == [KeyWrap.ratchetByteCount])
        #expect(try world.open(reply, at: a, from: b).payload.body == "3")
        let third = try world.send("4", from: a, to: [bob])
        #expect(third.wraps.map(\.bytes.count) == [KeyWrap.ratchetByteCount])
        #expect(try world.open(third, at: b, from: a).payload.body == "4")
    }

    @Test(
        "A bundle with a bad signed pre-key signature is refused before anything else, and nothing is stored",
        arguments: StoreKind.allCases)
    func badSignature(store kind: StoreKind) throws {
        let world = TestWorld(seed: 4, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)
        var fetched = world.server.fetch(bob)
        fetched.devices[0].signature[10] ^= 0x40
        // Even a pin that the bundle's identity contradicts is not looked at: the signature comes first.
        try a.store.pin(.init(key: a.local.keyPair.publicKey, level: .verified), for: b.address)
        let before = try a.store.contents()
        #expect(
            ratchetError {
                try a.cipher.seal(
                    a.payload("x"), channel: world.channel, participants: [bob],
                    bundles: [fetched, world.server.fetch(alice)], in: a.store)
            } == .invalidSignedPreKeySignature)
        #expect(try a.store.contents() == before)
        if case .inMemory(let state) = try a.store.contents() { #expect(state.commitCount == 0) }
    }

    @Test(
        "A changed identity key is reported and replaces the session, or is refused for a verified device",
        arguments: StoreKind.allCases)
    func identityChange(store kind: StoreKind) throws {
        let world = TestWorld(seed: 5, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let oldBob = try world.device(of: bob)
        let first = try world.send("before", from: a, to: [bob])
        _ = try world.open(first, at: oldBob, from: a)
        #expect(
            try a.store.pinnedIdentity(for: oldBob.address)
                == .init(key: oldBob.local.keyPair.publicKey, level: .unverified))
        let b = try world.reinstall(oldBob)
        let keys = [world.server.fetch(bob), world.server.fetch(alice)]

        // Verified: refused, nothing stored.
        let verified = PinnedIdentity(key: oldBob.local.keyPair.publicKey, level: .verified)
        try a.store.pin(verified, for: b.address)
        var before = try a.store.contents()
        let seal = {
            try a.cipher.seal(
                a.payload("after"), channel: world.channel, participants: [bob], bundles: keys, in: a.store)
        }
        #expect(ratchetError(seal) == .identityChanged(b.address))
        #expect(try a.store.contents() == before)

        // Unverified, with a policy that blocks changes: refused as well.
        try a.store.pin(.init(key: oldBob.local.keyPair.publicKey, level: .unverified), for: b.address)
        before = try a.store.contents()
        a.cipher.trustPolicy = TrustOnFirstUse(unverifiedChanges: .block)
        #expect(ratchetError(seal) == .identityChanged(b.address))
        #expect(try a.store.contents() == before)

        // Unverified, default policy: a warning, a new pin, and a new session; the old one is archived.
        a.cipher.trustPolicy = TrustOnFirstUse()
        let sealed = try seal()
        #expect(
            sealed.notices == [
                .identityChanged(
                    b.address, previous: oldBob.local.keyPair.publicKey, current: b.local.keyPair.publicKey)
            ])
        #expect(try a.store.pinnedIdentity(for: b.address) == .init(key: b.local.keyPair.publicKey, level: .changed))
        let record = try #require(try a.store.sessionRecord(for: b.address))
        #expect(record.previous.count == 1)
        #expect(record.active.peerIdentity == b.local.keyPair.publicKey)
        #expect(try world.open(sealed, at: b, from: a).payload.body == "after")
    }

    @Test(
        "A pre-key wrap with a changed identity is refused for a verified device and stores nothing",
        arguments: StoreKind.allCases)
    func identityChangeOnReceive(store kind: StoreKind) throws {
        let world = TestWorld(seed: 6, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let oldBob = try world.device(of: bob)
        _ = try world.open(try world.send("hi", from: oldBob, to: [alice]), at: a, from: oldBob)
        try a.store.pin(.init(key: oldBob.local.keyPair.publicKey, level: .verified), for: oldBob.address)
        let b = try world.reinstall(oldBob)
        let sealed = try world.send("new me", from: b, to: [alice])
        let before = try a.store.contents()
        #expect(ratchetError { try world.open(sealed, at: a, from: b) } == .identityChanged(b.address))
        #expect(try a.store.contents() == before)

        // Once the engine accepts the change (here: the pin reset), the same wrap opens with a warning.
        try a.store.pin(.init(key: oldBob.local.keyPair.publicKey, level: .unverified), for: oldBob.address)
        let opened = try world.open(sealed, at: a, from: b)
        #expect(opened.notices.count == 1)
        #expect(opened.startedSession)
    }

    @Test(
        "A one-time pre-key is used exactly once; unknown pre-keys fail and change nothing",
        arguments: StoreKind.allCases)
    func oneTimePreKeys(store kind: StoreKind) throws {
        let world = TestWorld(seed: 7, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a1 = try world.device(of: alice)
        let a2 = try world.device(of: alice)
        let b = try world.device(of: bob)
        // Both of Alice's devices start a session with the same fetched bundle (one-time pre-key 1): a replay.
        let bobsKeys = world.server.fetch(bob)
        #expect(bobsKeys.devices[0].oneTimePreKey?.keyID == 1)
        let alicesKeys = world.server.fetch(alice)
        let fromA1 = try a1.cipher.seal(
            a1.payload("one"), channel: world.channel, participants: [bob], bundles: [bobsKeys, alicesKeys],
            in: a1.store)
        let fromA2 = try a2.cipher.seal(
            a2.payload("two"), channel: world.channel, participants: [bob], bundles: [bobsKeys, alicesKeys],
            in: a2.store)

        #expect(try b.store.oneTimePreKey(id: 1) != nil)
        #expect(try world.open(fromA1, at: b, from: a1).startedSession)
        #expect(try b.store.oneTimePreKey(id: 1) == nil)

        // The same pre-key wrap again: a duplicate; nothing changes.
        var before = try b.store.contents()
        #expect(ratchetError { try world.open(fromA1, at: b, from: a1) } == .duplicateMessage)
        #expect(try b.store.contents() == before)

        // Another session naming the consumed key: refused, never downgraded to three DHs.
        #expect(ratchetError { try world.open(fromA2, at: b, from: a2) } == .unknownOneTimePreKey(id: 1))
        #expect(try b.store.contents() == before)

        // An unknown signed pre-key.
        let fresh = try world.device(of: alice)
        let fromFresh = try world.send("three", from: fresh, to: [bob])
        try b.store.removeSignedPreKey(id: 1)
        before = try b.store.contents()
        #expect(ratchetError { try world.open(fromFresh, at: b, from: fresh) } == .unknownSignedPreKey(id: 1))
        #expect(try b.store.contents() == before)
    }

    @Test("Content over 4000 characters is refused before any store changes", arguments: StoreKind.allCases)
    func tooLong(store kind: StoreKind) throws {
        let world = TestWorld(seed: 8, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a1 = try world.device(of: alice)
        let a2 = try world.device(of: alice)
        let b = try world.device(of: bob)
        _ = try world.open(try world.send("warm-up", from: a1, to: [bob]), at: b, from: a1)
        let devices = [a1, a2, b]
        let before = try devices.map { try $0.store.contents() }
        let body = String(repeating: "x", count: 3000)
        let keys = [world.server.fetch(bob), world.server.fetch(alice)]
        let error = ratchetError {
            try a1.cipher.seal(
                a1.payload(body), channel: world.channel, participants: [bob], bundles: keys, in: a1.store)
        }
        guard case .messageTooLong(let characters)? = error else {
            Issue.record("expected messageTooLong, got \(String(describing: error))")
            return
        }
        #expect(characters > ContentCipher.maximumCharacters)
        #expect(try devices.map { try $0.store.contents() } == before)
    }

    @Test(
        "Sending without a device list or a needed bundle asks for it and stores nothing", arguments: StoreKind.allCases
    )
    func bundlesRequired(store kind: StoreKind) throws {
        let world = TestWorld(seed: 9, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b1 = try world.device(of: bob)
        let before = try a.store.contents()
        let payload = a.payload("x")
        #expect(
            ratchetError {
                try a.cipher.seal(payload, channel: world.channel, participants: [bob], bundles: [], in: a.store)
            } == .preKeyBundleRequired(user: bob, device: nil))
        try a.store.setDevices([b1.address.device], of: bob)
        try a.store.setDevices([a.address.device], of: alice)
        let listed = try a.store.contents()
        #expect(listed != before)
        #expect(
            ratchetError {
                try a.cipher.seal(payload, channel: world.channel, participants: [bob], bundles: [], in: a.store)
            } == .preKeyBundleRequired(user: bob, device: b1.address.device))
        #expect(try a.store.contents() == listed)
        #expect(
            ratchetError {
                try a.cipher.seal(
                    b1.payload("x"), channel: world.channel, participants: [bob], bundles: [], in: a.store)
            } == .invalidPayload(field: "sender_device", reason: "is not this device"))
    }

    @Test(
        "A wrap opened with other content, channel or author fails and changes nothing", arguments: StoreKind.allCases)
    func tampering(store kind: StoreKind) throws {
        let world = TestWorld(seed: 10, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)
        _ = try world.open(try world.send("warm-up", from: a, to: [bob]), at: b, from: a)
        _ = try world.open(try world.send("reply", from: b, to: [alice]), at: a, from: b)
        let one = try world.send("one", from: a, to: [bob])
        let two = try world.send("two", from: a, to: [bob])
        let wrap = try #require(one.wraps.first).bytes
        let before = try b.store.contents()
        let attempts: [(String, () throws -> OpenedMessage, RatchetError)] = [
            (
                "other content",
                {
                    try b.cipher.open(
                        content: two.content, wrap: wrap, channel: world.channel, author: alice, in: b.store)
                },
                .authenticationFailed(.contentDigest)
            ),
            (
                "other channel",
                { try b.cipher.open(content: one.content, wrap: wrap, channel: UUID(), author: alice, in: b.store) },
                .authenticationFailed(.contentTag)
            ),
            (
                "other author",
                {
                    try b.cipher.open(
                        content: one.content, wrap: wrap, channel: world.channel, author: bob, in: b.store)
                },
                .noSession(DeviceAddress(user: bob, device: a.address.device))
            ),
            (
                "flipped wrap",
                {
                    var bad = wrap
                    bad[bad.count - 1] ^= 1
                    return try b.cipher.open(
                        content: one.content, wrap: bad, channel: world.channel, author: alice, in: b.store)
                },
                .authenticationFailed(.messageTag)
            ),
        ]
        for (name, attempt, expected) in attempts {
            #expect(ratchetError(attempt) == expected, "\(name)")
            #expect(try b.store.contents() == before, "\(name)")
        }
        #expect(try world.open(one, at: b, from: a).payload.body == "one")
        #expect(try world.open(two, at: b, from: a).payload.body == "two")
    }

    @Test(
        "Simultaneous initiation: both sessions are kept, the one that last decrypted is active, both directions work",
        arguments: StoreKind.allCases)
    func simultaneousInitiation(store kind: StoreKind) throws {
        let world = TestWorld(seed: 11, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)
        let fromA = try world.send("a1", from: a, to: [bob])
        let fromB = try world.send("b1", from: b, to: [alice])
        let aStarted = try #require(try a.store.sessionRecord(for: b.address)).active.baseKey
        let bStarted = try #require(try b.store.sessionRecord(for: a.address)).active.baseKey

        #expect(try world.open(fromA, at: b, from: a).startedSession)
        #expect(try world.open(fromB, at: a, from: b).startedSession)
        #expect(try a.store.sessionRecord(for: b.address)?.sessions.map(\.baseKey) == [bStarted, aStarted])
        #expect(try b.store.sessionRecord(for: a.address)?.sessions.map(\.baseKey) == [aStarted, bStarted])

        // Both reply in the session the other started; each is found in the earlier session and promoted.
        let a2 = try world.send("a2", from: a, to: [bob])
        let b2 = try world.send("b2", from: b, to: [alice])
        #expect(try world.open(a2, at: b, from: a).payload.body == "a2")
        #expect(try world.open(b2, at: a, from: b).payload.body == "b2")
        #expect(try a.store.sessionRecord(for: b.address)?.active.baseKey == aStarted)
        #expect(try b.store.sessionRecord(for: a.address)?.active.baseKey == bStarted)
        for round in 3...6 {
            let sealedA = try world.send("a\(round)", from: a, to: [bob])
            #expect(try world.open(sealedA, at: b, from: a).payload.body == "a\(round)")
            let sealedB = try world.send("b\(round)", from: b, to: [alice])
            #expect(try world.open(sealedB, at: a, from: b).payload.body == "b\(round)")
        }
    }

    @Test(
        "Five earlier sessions are kept per device; a seventh session drops the oldest", arguments: StoreKind.allCases)
    func earlierSessionLimit(store kind: StoreKind) throws {
        let world = TestWorld(seed: 12, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob, oneTimeKeys: 8)
        var pending: [SealedMessage] = []
        var baseKeys: [X25519.PublicKey] = []
        for round in 0..<7 {
            // Each round is Alice's device after losing its sessions: same identity, empty store, new session.
            let store = try world.makeStore(for: a.local)
            let device = TestDevice(local: a.local, store: store, cipher: a.cipher)
            let first = try world.send("\(round).1", from: device, to: [bob])
            pending.append(try world.send("\(round).2", from: device, to: [bob]))
            baseKeys.append(try #require(try store.sessionRecord(for: b.address)).active.baseKey)
            #expect(try world.open(first, at: b, from: device).startedSession)
        }
        let record = try #require(try b.store.sessionRecord(for: a.address))
        #expect(record.previous.count == SessionRecord.maximumPreviousSessions)
        #expect(record.sessions.map(\.baseKey) == baseKeys.reversed().prefix(6).map { $0 })

        // The oldest session is gone, but its base key is remembered: its message is refused as a replay.
        let before = try b.store.contents()
        #expect(ratchetError { try world.open(pending[0], at: b, from: a) } == .duplicateMessage)
        #expect(try b.store.contents() == before)
        // The second-oldest is still kept; decrypting in it makes it the active session.
        #expect(try world.open(pending[1], at: b, from: a).payload.body == "1.2")
        let promoted = try #require(try b.store.sessionRecord(for: a.address))
        #expect(promoted.active.baseKey == baseKeys[1])
        #expect(promoted.previous.map(\.baseKey) == baseKeys[2...].reversed().map { $0 })
    }

    @Test(
        "An archived record needs a bundle; the next send starts a new session, the old one still decrypts",
        arguments: StoreKind.allCases)
    func archivedRecord(store kind: StoreKind) throws {
        let world = TestWorld(seed: 17, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)
        _ = try world.open(try world.send("one", from: a, to: [bob]), at: b, from: a)
        _ = try world.open(try world.send("two", from: b, to: [alice]), at: a, from: b)
        let inFlight = try world.send("three", from: b, to: [alice])
        let before = try #require(try a.store.sessionRecord(for: b.address))

        #expect(try a.store.archiveSessions(of: b.address) == 1)
        let archived = try #require(try a.store.sessionRecord(for: b.address))
        #expect(archived.isArchived)
        #expect(archived.active.baseKey == before.active.baseKey)
        #expect(try a.store.archiveSessions(of: DeviceAddress(user: bob, device: UUID())) == 0)

        // Without a bundle there is nothing to send with: the archived session no longer sends.
        let contents = try a.store.contents()
        #expect(
            ratchetError {
                try a.cipher.seal(a.payload("no bundle"), channel: world.channel, participants: [bob], in: a.store)
            } == .preKeyBundleRequired(user: bob, device: b.address.device))
        #expect(try a.store.contents() == contents)

        // A message already in flight on the old session still opens, and the record stays archived.
        #expect(try world.open(inFlight, at: a, from: b).payload.body == "three")
        #expect(try #require(try a.store.sessionRecord(for: b.address)).isArchived)

        // The next send, with a fresh bundle, starts a new session that Bob accepts as one.
        let fresh = try a.cipher.seal(
            a.payload("four"), channel: world.channel, participants: [bob], bundles: [world.server.fetch(bob)],
            in: a.store)
        let record = try #require(try a.store.sessionRecord(for: b.address))
        #expect(!record.isArchived)
        #expect(record.active.baseKey != before.active.baseKey)
        #expect(record.previous.first?.baseKey == before.active.baseKey)
        let opened = try world.open(fresh, at: b, from: a)
        #expect(opened.payload.body == "four")
        #expect(opened.startedSession)
    }

    @Test("Installing sessions in a record keeps the newest six, most recent first", arguments: StoreKind.allCases)
    func recordInstall(store kind: StoreKind) throws {
        let world = TestWorld(seed: 13, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob, oneTimeKeys: 0)
        var sessions: [Session] = []
        for _ in 0..<8 {
            let store = try world.makeStore(for: a.local)
            let device = TestDevice(local: a.local, store: store, cipher: a.cipher)
            _ = try world.send("x", from: device, to: [bob])
            sessions.append(try #require(try store.sessionRecord(for: b.address)).active)
        }
        var record = SessionRecord(active: sessions[0])
        for session in sessions.dropFirst() { record.install(session) }
        #expect(record.active == sessions[7])
        #expect(record.previous == Array(sessions[2...6].reversed()))
        #expect(SessionRecord(active: sessions[0], previous: Array(sessions[1...])).previous.count == 5)
    }
}
