import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// What `uncord-keys` reads and changes through the store: pre-key listings, session summaries and resets, peer
/// times, and identity rotation (schema version 5).
@Suite("SQLite store: key management")
struct SQLiteStoreKeyManagementTests {
    @Test("Pre-keys are listed by id, state and time, the current signed pre-key first")
    func preKeyListing() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let clock = TestClock()
        let store = try directory.store("a.sqlite", oneTimePreKeys: 3, clock: clock)
        try store.markPublished(oneTimePreKeys: [1, 2])
        try store.markSignedPreKeyPublished(id: 1)
        clock.advance(days: 8)
        try store.rotateSignedPreKey()

        let signed = try store.signedPreKeyList()
        #expect(signed.map(\.id) == [2, 1])
        #expect(signed[0].isCurrent && !signed[0].isPublished && signed[0].retiredAt == nil)
        #expect(!signed[1].isCurrent && signed[1].isPublished)
        #expect(signed[1].retiredAt == signed[0].createdAt)
        #expect(signed[0].createdAt.map { abs($0.timeIntervalSince(clock.now)) < 0.01 } == true)

        let oneTime = try store.oneTimePreKeyList()
        #expect(oneTime.map(\.id) == [1, 2, 3])
        #expect(oneTime.map(\.state) == [.published, .published, .pending])
    }

    @Test("A reset archives a device's sessions; the next send starts a new one that the peer accepts")
    func resetSessions() throws {
        let pair = try SQLiteStoreMessageTests.Pair()
        _ = try pair.bob.receive(try pair.toBob("one"), using: SessionCipher())
        _ = try pair.alice.receive(try pair.toAlice("two"), using: SessionCipher())
        let summaries = try pair.alice.sessionSummaries()
        #expect(summaries.map(\.peer) == [pair.bobAddress])
        #expect(summaries.first?.isActive == true && summaries.first?.archivedAt == nil)

        let unknown = DeviceAddress(user: pair.bobAddress.user, device: UUID())
        let before = try pair.alice.tableRows()
        #expect(try pair.alice.archiveSessions(of: unknown) == 0)
        #expect(try pair.alice.tableRows() == before)

        #expect(try pair.alice.archiveSessions(of: pair.bobAddress) == 1)
        let archived = try #require(try pair.alice.sessionSummaries().first)
        #expect(archived.archivedAt != nil)
        #expect(try #require(try pair.alice.sessionRecord(for: pair.bobAddress)).isArchived)

        // FakeServer hands Alice a fresh bundle because the archived record needs one; Bob sees a new session.
        let sent = try pair.alice.send(
            pair.server.payload("three", from: pair.aliceAddress), channel: pair.server.channel,
            participants: [pair.bobAddress.user], bundles: [pair.server.bundle(of: pair.bobAddress.user)],
            using: SessionCipher())
        let message = try #require(try pair.server.post(sent, from: pair.aliceAddress)[pair.bobAddress])
        #expect(try pair.bob.receive(message, using: SessionCipher()).message.payload.body == "three")
        let after = try pair.alice.sessionSummaries()
        #expect(after.map(\.position) == [0, 1])
        #expect(after.allSatisfy { $0.archivedAt == nil })
        #expect(try pair.bob.sessionSummaries().count == 2)
    }

    @Test("A pinned account key carries its first-seen, verified and changed times")
    func peerTimes() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let clock = TestClock()
        let store = try directory.store("a.sqlite", clock: clock)
        let address = DeviceAddress(user: UUID(), device: UUID())
        let first = X25519.PrivateKey.generate(using: SystemRandom())
        _ = try store.judgeDeviceList(try listing(address, key: first), unverifiedChanges: .warn)
        clock.advance(days: 1)
        try store.setTrust(.verified, sendBlocked: false, of: address.user)
        clock.advance(days: 1)
        let second = X25519.PrivateKey.generate(using: SystemRandom())
        let judged = try store.judgeDeviceList(try listing(address, key: second), unverifiedChanges: .warn)
        #expect(judged.warning?.sendingBlocked == true)

        let record = try #require(try store.peerIdentity(of: address.user))
        let start = clock.now.addingTimeInterval(-2 * 24 * 3600)
        #expect(abs(record.firstSeenAt.timeIntervalSince(start)) < 0.01)
        #expect(record.verifiedAt.map { abs($0.timeIntervalSince(start) - 24 * 3600) < 0.01 } == true)
        #expect(record.changedAt.map { abs($0.timeIntervalSince(clock.now)) < 0.01 } == true)
        // A verified user's change is held: the pin stays, the new key waits, sending is blocked.
        #expect(record.trust == .verified && record.sendBlocked && record.identityKey == first.publicKey)
        #expect(record.pendingKey == second.publicKey)
    }

    /// A one-device list for `address` whose signed pre-key is signed with `key`.
    private func listing(_ address: DeviceAddress, key: X25519.PrivateKey) throws -> UserKeyBundle {
        let spk = X25519.PrivateKey.generate(using: SystemRandom()).publicKey
        let signature = try SignedPreKeySignature.sign(
            deviceID: address.device, keyID: 1, signedPreKey: spk, identityKey: key, using: SystemRandom())
        return UserKeyBundle(
            userID: address.user,
            devices: [
                DeviceKeyBundle(
                    deviceID: address.device, identityKey: key.publicKey.bytes, signedPreKeyID: 1,
                    signedPreKey: spk.bytes, signature: signature)
            ])
    }

    @Test("Rotating the identity replaces the key and signed pre-key, keeps unused one-time pre-keys, waits")
    func rotateIdentity() throws {
        let pair = try SQLiteStoreMessageTests.Pair()
        _ = try pair.bob.receive(try pair.toBob("one"), using: SessionCipher())
        try pair.alice.markRegistered()
        #expect(try pair.alice.isIdentityPublished())
        let old = try pair.alice.localIdentity().keyPair.publicKey
        let oldSigned = try pair.alice.currentSignedPreKey()
        let oldOneTime = try pair.alice.oneTimePreKeyList()
        #expect(!oldOneTime.isEmpty)

        let rotation = try pair.alice.rotateIdentity(oneTimePreKeys: 4)
        #expect(rotation.previousIdentityKey == old)
        #expect(rotation.identityKey != old)
        #expect(try pair.alice.localIdentity().keyPair.publicKey == rotation.identityKey)
        #expect(try pair.alice.status().identityKey == Base64.encode(rotation.identityKey.bytes))
        #expect(!(try pair.alice.isIdentityPublished()))
        #expect(rotation.archivedSessions == 1)
        #expect(rotation.oneTimePreKeys == 4)

        // One signed pre-key, signed by the new identity, the old one gone; the unused old one-time pre-keys stay
        // (the real server keeps handing them out) and 4 new ones wait for upload.
        let signed = try pair.alice.signedPreKeyList()
        #expect(signed.map(\.id) == [rotation.signedPreKey.id])
        #expect(rotation.signedPreKey.id > oldSigned.id)
        let current = try pair.alice.currentSignedPreKey()
        try SignedPreKeySignature.verify(
            current.signature, deviceID: pair.aliceAddress.device, keyID: current.id,
            signedPreKey: current.publicKey, identityKey: rotation.identityKey)
        let oneTime = try pair.alice.oneTimePreKeyList()
        #expect(Array(oneTime.prefix(oldOneTime.count)) == oldOneTime)
        #expect(oneTime.dropFirst(oldOneTime.count).map(\.state) == Array(repeating: .pending, count: 4))
        #expect(try pair.alice.signedPreKey(id: oldSigned.id) == nil)
        #expect(try pair.alice.oneTimePreKey(id: oldOneTime[0].id) != nil)
        #expect(try #require(try pair.alice.sessionRecord(for: pair.bobAddress)).isArchived)

        try pair.alice.markIdentityPublished()
        #expect(try pair.alice.isIdentityPublished())
    }

    @Test("An unregistered device's new identity needs no upload: registration sends it")
    func rotateUnregistered() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let store = try directory.store("a.sqlite")
        let oneTime = try store.oneTimePreKeyList()
        try store.rotateIdentity(oneTimePreKeys: 0)
        #expect(try store.isIdentityPublished())
        #expect(try store.oneTimePreKeyList() == oneTime)
    }

    @Test("A store at schema version 5 has the archive and identity-upload columns")
    func schemaVersion() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let store = try directory.store("a.sqlite")
        #expect(try store.status().schemaVersion == StoreSchema.currentVersion)
        #expect(StoreSchema.currentVersion >= 5)
        try store.connection.read { db in
            _ = try db.query("SELECT archived_at FROM sessions")
            _ = try db.query("SELECT identity_published FROM local_device")
        }
    }
}
