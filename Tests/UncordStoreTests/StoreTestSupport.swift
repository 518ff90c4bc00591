import Foundation
import Synchronization
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// A tiny stand-in for the Uncord server, enough for the store tests: it keeps what each device uploaded (identity
/// key, signed pre-key, one-time pre-keys), hands out bundles with each one-time pre-key once, and turns a send into
/// the message each recipient device fetches. It keeps no store open.
final class FakeServer {
    /// The DM channel every message goes to.
    let channel = UUID()
    private var uploads: [DeviceAddress: DeviceKeyBundle] = [:]
    private var oneTimeKeys: [DeviceAddress: [OneTimePreKey]] = [:]
    private var devicesOfUser: [UUID: [UUID]] = [:]
    private var addressOfDevice: [UUID: DeviceAddress] = [:]

    /// Uploads a device's keys: its identity and current signed pre-key, and its pending one-time pre-keys, which the
    /// store then marks published (as after the server's 204).
    @discardableResult
    func upload(_ store: SQLiteStore) throws -> DeviceAddress {
        let local = try store.localIdentity()
        let address = local.address
        let signed = try store.currentSignedPreKey()
        uploads[address] = DeviceKeyBundle(
            deviceID: address.device, identityKey: local.keyPair.publicKey.bytes, signedPreKeyID: signed.id,
            signedPreKey: signed.publicKey.bytes, signature: signed.signature)
        let pending = try store.pendingOneTimePreKeys()
        oneTimeKeys[address, default: []] += pending.map { OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes) }
        try store.markPublished(oneTimePreKeys: pending.map(\.id))
        if !devicesOfUser[address.user, default: []].contains(address.device) {
            devicesOfUser[address.user, default: []].append(address.device)
        }
        addressOfDevice[address.device] = address
        return address
    }

    /// `GET /users/{user}/keys`: one bundle per device, each with the device's next one-time pre-key if any is left.
    func bundle(of user: UUID) -> UserKeyBundle {
        var devices: [DeviceKeyBundle] = []
        for device in devicesOfUser[user] ?? [] {
            let address = DeviceAddress(user: user, device: device)
            guard var bundle = uploads[address] else { continue }
            if var keys = oneTimeKeys[address], !keys.isEmpty {
                bundle.oneTimePreKey = keys.removeFirst()
                oneTimeKeys[address] = keys
            }
            devices.append(bundle)
        }
        return UserKeyBundle(userID: user, devices: devices)
    }

    /// The bundles a sender needs before sending to `users` (its own user included): those whose device list it
    /// has not cached, or with a device it has no session with (or only an archived one).
    func bundlesNeeded(by store: SQLiteStore, for users: [UUID]) throws -> [UserKeyBundle] {
        let local = try store.localIdentity().address
        return try (users + [local.user]).filter { user in
            guard try store.devices(of: user) != nil else { return true }
            return try (devicesOfUser[user] ?? []).contains { device in
                let address = DeviceAddress(user: user, device: device)
                return try address != local && store.sessionRecord(for: address)?.isArchived ?? true
            }
        }.map(bundle(of:))
    }

    /// Sends `body` from `store` to `users` through the store (session advance and outbox row in one transaction)
    /// and returns the outbox entry with the message each recipient device would fetch.
    func send(
        _ body: String, from store: SQLiteStore, to users: [UUID], using cipher: SessionCipher = SessionCipher(),
        type: String = "text", editOf: UUID? = nil
    ) throws -> (entry: OutboxEntry, messages: [DeviceAddress: Message]) {
        let sender = try store.localIdentity().address
        var sealed = payload(body, from: sender)
        sealed.type = type
        sealed.editOf = editOf
        let entry = try store.send(
            sealed, channel: channel, participants: users,
            bundles: try bundlesNeeded(by: store, for: users), using: cipher)
        return (entry, try post(entry, from: sender))
    }

    /// `POST /dm/{channel}/messages` with an outbox entry's body: the message each addressed device fetches, with
    /// its own wrap as `device_id ""`, under one new message id.
    func post(_ entry: OutboxEntry, from sender: DeviceAddress) throws -> [DeviceAddress: Message] {
        let request = try WireJSON.decode(SendMessageRequest.self, from: entry.body)
        let id = UUID()
        var messages: [DeviceAddress: Message] = [:]
        for key in request.messageKeys {
            guard case .device(let device) = key.recipient, let address = addressOfDevice[device] else {
                Issue.record("a wrap for an unknown device: \(key.recipient)")
                continue
            }
            messages[address] = try message(
                id: id, channel: entry.channel, content: request.content, wrap: key.encryptedKey, from: sender)
        }
        return messages
    }

    /// The message `recipient` fetches for a sealed message: the content and the recipient's own wrap.
    func message(
        _ sealed: SealedMessage, from sender: DeviceAddress, to recipient: DeviceAddress, id: UUID = UUID()
    ) throws -> Message {
        let wrap = try #require(sealed.wraps.first { $0.recipient == recipient })
        return try message(id: id, channel: channel, content: sealed.contentText, wrap: wrap.bytes, from: sender)
    }

    private func message(
        id: UUID, channel: UUID, content: String, wrap: [UInt8], from sender: DeviceAddress
    ) throws -> Message {
        let createdAt = UncordProtocol.Timestamp(rfc3339: "2025-01-01T00:00:00Z")
        return Message(
            id: id, channelID: channel, author: .init(id: sender.user, username: "user"), content: content,
            encrypted: true, messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: wrap)],
            createdAt: try #require(createdAt))
    }

    /// A text payload from `sender`.
    func payload(_ body: String, from sender: DeviceAddress) -> MessagePayload {
        MessagePayload(body: body, senderDevice: sender.device, sentAt: "2025-01-01T00:00:00Z")
    }
}

/// A clock the tests move by hand, for grace periods.
final class TestClock: Sendable {
    private let date: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) { date = Mutex(start) }

    var now: Date { date.withLock { $0 } }

    /// Moves the clock forward.
    func advance(days: Double) { date.withLock { $0 += days * 24 * 3600 } }

    /// The clock as a store takes it.
    var function: @Sendable () -> Date { { self.now } }
}

extension Scratch {
    /// A new store for a new device in the directory, sealed under a fresh raw key.
    func store(
        _ name: String, user: UUID = UUID(), oneTimePreKeys: Int = 5, clock: TestClock = TestClock()
    ) throws -> SQLiteStore {
        try SQLiteStore.create(
            at: path(name), device: DeviceAddress(user: user, device: UUID()), key: .rawKey(randomStoreKey()),
            oneTimePreKeys: oneTimePreKeys, clock: clock.function)
    }

    /// The SHA-256 of each of a store's files (database, WAL, shared memory, rollback journal); `nil` for a file
    /// that does not exist.
    /// Hashes of the files that hold data: the database, its WAL and a rollback journal. SQLite's shared-memory
    /// index (`-shm`) is derived and rebuilt on open, and an empty WAL holds nothing, so neither counts as a write.
    func hashes(of name: String) -> [String: [UInt8]?] {
        var hashes: [String: [UInt8]?] = [:]
        for suffix in ["", "-wal", "-journal"] {
            guard let contents = FileManager.default.contents(atPath: path(name + suffix)),
                !(suffix == "-wal" && contents.isEmpty)
            else { continue }
            hashes[name + suffix] = SHA256.hash(contents)
        }
        return hashes
    }
}

/// 32 fresh random bytes for a raw store key.
func randomStoreKey() -> SecureBytes { SecureBytes(random: 32, using: SystemRandom()) }

/// The `StoreError` a call throws, or `nil` when it succeeds; another error type is a test failure.
func storeError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected a StoreError, the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension SQLiteStore {
    /// Every row of every table, blobs in hex and rows sorted: equal before and after a step exactly when the step
    /// wrote nothing (a rewrite of an unchanged sealed value still shows, as sealing draws a fresh nonce).
    func tableRows() throws -> [String: [String]] {
        try connection.read { db in try db.everyRow() }
    }

    /// The number of rows in `table`.
    func rowCount(_ table: String) throws -> Int {
        try connection.read { db in Int(try db.queryOne("SELECT count(*) FROM \"\(table)\"")?.integer(0) ?? 0) }
    }

}

extension SQLiteConnection {
    /// Takes a store back to schema version 6: the account-key tables go and the per-device pins come back, empty.
    /// Drops what migrations 8 to 10 added (the sign-in, the leases, the post digests and session recoveries), so
    /// an older schema can be rebuilt.
    func undoMigration8() throws {
        try execute("DROP TABLE session_recoveries")
        try execute("ALTER TABLE messages DROP COLUMN content_digest")
        try execute("DROP TABLE leases")
        try execute("DROP TABLE server_credentials")
    }

    func undoMigration7() throws {
        try undoMigration8()
        for table in [
            "peer_identities", "peer_identity_candidates", "device_authorizations", "accepted_base_keys",
            "pending_link", "channel_kinds", "pending_members",
        ] {
            try execute("DROP TABLE \(table)")
        }
        try execute("ALTER TABLE messages DROP COLUMN removed_by_server")
        try execute(
            """
            CREATE TABLE peer_devices (
                user_id TEXT NOT NULL REFERENCES peers (user_id) ON DELETE CASCADE,
                device_id TEXT NOT NULL,
                identity_key BLOB NOT NULL,
                trust TEXT NOT NULL CHECK (trust IN ('unverified', 'verified', 'changed')),
                first_seen_at TEXT NOT NULL,
                verified_at TEXT,
                changed_at TEXT,
                send_blocked INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (user_id, device_id)
            ) WITHOUT ROWID
            """)
    }
}
