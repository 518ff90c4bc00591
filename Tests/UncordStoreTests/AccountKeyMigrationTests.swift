import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Migration 7 (LINKED_DEVICES.md A5): per-device pins become one account key per user.
@Suite("SQLite store: account keys from per-device pins")
struct AccountKeyMigrationTests {
    @Test("A one-key user keeps its pin and trust; a several-key user's keys wait as candidates until a list picks one")
    func migration() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("old.sqlite")
        let key = randomStoreKey()
        let (carol, dave) = (UUID(), UUID())
        let carolKey = X25519.PrivateKey.generate(using: SystemRandom())
        let daveKeys = (0..<2).map { _ in X25519.PrivateKey.generate(using: SystemRandom()) }
        let daveDevices = [UUID(), UUID()]
        let me: UUID
        do {
            let store = try SQLiteStore.create(
                at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key))
            me = try store.localIdentity().address.user
            try store.connection.write { db in
                try db.undoMigration7()
                try db.execute("PRAGMA user_version = 6")
                func pin(_ user: UUID, _ device: UUID, _ key: X25519.PublicKey, _ trust: String) throws {
                    try db.run("INSERT OR IGNORE INTO peers (user_id) VALUES (?)", [.text(user.wireText)])
                    try db.run(
                        """
                        INSERT INTO peer_devices (user_id, device_id, identity_key, trust, first_seen_at)
                        VALUES (?, ?, ?, ?, '2026-01-01T00:00:00.000Z')
                        """, [.text(user.wireText), .text(device.wireText), .blob(key.bytes), .text(trust)])
                }
                try pin(carol, UUID(), carolKey.publicKey, "verified")
                try pin(dave, daveDevices[0], daveKeys[0].publicKey, "verified")
                try pin(dave, daveDevices[1], daveKeys[1].publicKey, "unverified")
                try pin(me, UUID(), carolKey.publicKey, "unverified")  // an own device of the old model: dropped
            }
        }
        let store = try SQLiteStore.open(at: path, key: .rawKey(key))
        let carolPin = try #require(try store.peerIdentity(of: carol))
        #expect(carolPin.identityKey == carolKey.publicKey && carolPin.trust == .verified)
        #expect(try store.peerIdentity(of: dave) == nil)
        #expect(try store.peerIdentity(of: me) == nil)

        // Dave's list: only the second device still verifies; its key, a candidate, becomes the pin with its trust.
        let list = UserKeyBundle(
            userID: dave,
            devices: try zip(daveDevices, daveKeys).map { device, identity in
                let spk = X25519.PrivateKey.generate(using: SystemRandom()).publicKey
                var signature = try SignedPreKeySignature.sign(
                    deviceID: device, keyID: 1, signedPreKey: spk, identityKey: identity, using: SystemRandom())
                if device == daveDevices[0] { signature[0] ^= 1 }
                return DeviceKeyBundle(
                    deviceID: device, identityKey: identity.publicKey.bytes, signedPreKeyID: 1,
                    signedPreKey: spk.bytes, signature: signature)
            })
        let judged = try store.judgeDeviceList(list, unverifiedChanges: .warn)
        #expect(judged.sendAllowed)
        #expect(judged.authorization.devices.map(\.state) == [.refused(.invalidSignedPreKeySignature), .authorized])
        let pin = try #require(try store.peerIdentity(of: dave))
        #expect(pin.identityKey == daveKeys[1].publicKey && pin.trust == .unverified)
    }
}
