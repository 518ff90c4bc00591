import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordTestSupport

@testable import UncordRatchet
@testable import UncordSQLite
@testable import UncordStore

/// The stores the session tests run against: the in-memory one and its SQLite twin.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case sqlite

    var testDescription: String { rawValue }
}

/// What the session tests need of a store besides ``RatchetStore``: the set-up calls that stand in for the
/// engine's pre-key and trust handling, and a snapshot of everything the store holds.
protocol TestStore: RatchetStore, AnyObject {
    /// Adds a signed pre-key with this id.
    func addSignedPreKey(_ key: X25519.PrivateKey, id: UInt32) throws
    /// Deletes a signed pre-key, as when its grace period ends.
    func removeSignedPreKey(id: UInt32) throws
    /// Adds a one-time pre-key with this id.
    func addOneTimePreKey(_ key: X25519.PrivateKey, id: UInt32) throws
    /// Pins an identity directly, as when the user verifies a device.
    func pin(_ identity: PinnedIdentity, for address: DeviceAddress) throws
    /// Caches a user's device list directly.
    func setDevices(_ devices: [UUID], of user: UUID) throws
    /// Archives a device's session record (a session reset); answers how many sessions it keeps.
    @discardableResult
    func archiveSessions(of address: DeviceAddress) throws -> Int
    /// Everything the store holds, to compare before and after a step.
    func contents() throws -> StoreContents
}

/// A store's whole contents: the in-memory state, or every row of every SQLite table, sealed bytes included (so
/// a rewrite with unchanged meaning still shows, as sealing draws a fresh nonce).
enum StoreContents: Equatable {
    case inMemory(InMemoryRatchetStore.State)
    case sqlite([String: [String]])
}

extension InMemoryRatchetStore: TestStore {
    func contents() -> StoreContents { .inMemory(snapshot) }
}

extension SQLiteStore: TestStore {
    /// A store for `local`, sealed under a fresh raw key, holding `local`'s identity and no pre-keys yet (the
    /// test server adds them, as it does for the in-memory store).
    static func forTests(at path: String, local: LocalIdentity) throws -> SQLiteStore {
        let store = try SQLiteStore.create(
            at: path, device: local.address, key: .rawKey(SecureBytes(random: 32, using: SystemRandom())),
            oneTimePreKeys: 0)
        try store.connection.write { db in
            let sealed = try store.sealer.seal(
                local.keyPair.secret,
                for: .identityPrivate(device: local.address.device))
            try db.run(
                "UPDATE local_device SET identity_public = ?, identity_private = ? WHERE id = 1",
                [.blob(local.keyPair.publicKey.bytes), .blob(sealed)])
            try db.run("DELETE FROM signed_pre_keys")
        }
        store.forgetCachedIdentity()
        return store
    }

    func addSignedPreKey(_ key: X25519.PrivateKey, id: UInt32) throws {
        try connection.write { db in
            let sealed = try sealer.seal(key.secret, for: .signedPreKey(id: id))
            try db.run(
                """
                INSERT OR REPLACE INTO signed_pre_keys (key_id, public_key, private_key, signature, created_at)
                VALUES (?, ?, ?, zeroblob(64), ?)
                """,
                [
                    .integer(Int64(id)), .blob(key.publicKey.bytes), .blob(sealed),
                    .text(Timestamp(now, precision: .milliseconds).text),
                ])
        }
    }

    func removeSignedPreKey(id: UInt32) throws {
        try connection.write { db in try db.run("DELETE FROM signed_pre_keys WHERE key_id = ?", [.integer(Int64(id))]) }
    }

    func addOneTimePreKey(_ key: X25519.PrivateKey, id: UInt32) throws {
        try connection.write { db in
            let sealed = try sealer.seal(key.secret, for: .oneTimePreKey(id: id))
            try db.run(
                """
                INSERT OR REPLACE INTO one_time_pre_keys (key_id, public_key, private_key, state, created_at)
                VALUES (?, ?, ?, 'published', ?)
                """,
                [
                    .integer(Int64(id)), .blob(key.publicKey.bytes), .blob(sealed),
                    .text(Timestamp(now, precision: .milliseconds).text),
                ])
        }
    }

    func pin(_ identity: PinnedIdentity, for address: DeviceAddress) throws {
        var changes = StoreChangeSet()
        changes.pinnedIdentities[address] = identity
        try commit(changes)
    }

    func setDevices(_ devices: [UUID], of user: UUID) throws {
        var changes = StoreChangeSet()
        changes.deviceLists[user] = devices
        try commit(changes)
    }

    func contents() throws -> StoreContents {
        try connection.read { db in .sqlite(try db.everyRow()) }
    }

}

/// Where a world's SQLite stores live; removed with the world.
final class StoreDirectory {
    let url: URL
    private var count = 0

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("uncord-sessions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path for one more store.
    func nextPath() -> String {
        count += 1
        return url.appendingPathComponent("store-\(count).sqlite").path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
