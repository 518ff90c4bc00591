import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordTestSupport

@testable import UncordRatchet
@testable import UncordSQLite
@testable import UncordStore

/// Secrets sealed at rest: after a realistic exchange between three stores, no private key, root, chain or message
/// key, store key or plaintext appears in any of their files, whether the stores are still open (recent commits in
/// the WAL) or closed.
///
/// The run is seeded; a failure names the seed, and `UEDM_AT_REST_SEED=<seed>` replays it.
@Suite("SQLite store: at rest")
struct AtRestTests {
    static let defaultSeed: UInt64 = 0xA7_2E57
    static let sends = 100

    /// What an exchange left behind, for the checks after closing.
    struct Exchange {
        var secrets = SecretBytes()
        var storeKeys: [String: SecureBytes] = [:]
        /// A few recorded secrets to plant in an unsealed table, to show that the scan finds them.
        var planted: [[UInt8]] = []
    }

    @Test("No secret is in the database, WAL or journal files, open or closed; a planted one is found")
    func nothingSecretAtRest() throws {
        let seed = ProcessInfo.processInfo.environment["UEDM_AT_REST_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let exchange = try Self.exchange(in: directory, seed: seed)
        #expect(exchange.secrets.count > 500, "seed \(seed): only \(exchange.secrets.count) secrets recorded")

        // Closed: the WAL was checkpointed into the database file.
        #expect(try exchange.secrets.scan(directory: directory.url) == [:], "seed \(seed), closed stores")

        // The scan can fail: secrets written into an unsealed table are found, in that store's files only.
        let name = "alice-laptop"
        let planted = exchange.planted.reduce(into: Set<String>()) { $0.formUnion(exchange.secrets.scan($1)) }
        #expect(planted.count == exchange.planted.count)
        do {
            let store = try SQLiteStore.open(
                at: directory.path(name + ".sqlite"), key: .rawKey(try #require(exchange.storeKeys[name])))
            try store.connection.write { db in
                try db.execute("CREATE TABLE leak (value BLOB NOT NULL)")
                for secret in exchange.planted { try db.run("INSERT INTO leak (value) VALUES (?)", [.blob(secret)]) }
            }
            let open = try exchange.secrets.scan(directory: directory.url)
            #expect(open.keys.allSatisfy { $0.hasPrefix(name) })
            #expect(open.values.reduce(into: Set<String>()) { $0.formUnion($1) } == planted)
        }
        let closed = try exchange.secrets.scan(directory: directory.url)
        #expect(closed == [name + ".sqlite": planted])
    }

    /// Three devices (Alice's laptop and phone, Bob) exchange `sends` messages both ways through the fake server,
    /// delivered out of order with some lost (so skipped keys are stored), Bob's signed pre-key rotated half-way;
    /// every secret met on the way is recorded. Scans the files while the stores are open, then closes them.
    private static func exchange(in directory: Scratch, seed: UInt64) throws -> Exchange {
        var exchange = Exchange()
        var rng = SplitMix64(seed: seed)
        let server = FakeServer()
        let (alice, bob) = (UUID(), UUID())
        let devices = [("alice-laptop", alice), ("alice-phone", alice), ("bob", bob)]
        var stores: [SQLiteStore] = []
        for (name, user) in devices {
            let key = randomStoreKey()
            exchange.storeKeys[name] = key
            exchange.secrets.add(key, "\(name) store key")
            // Alice's phone is linked to her laptop: it holds the same account key (LINKED_DEVICES.md A1).
            let accountKey = try stores.first { try $0.localIdentity().address.user == user }?.localIdentity().keyPair
            let store = try SQLiteStore.create(
                at: directory.path(name + ".sqlite"), device: DeviceAddress(user: user, device: UUID()),
                key: .rawKey(key), oneTimePreKeys: 10, accountKey: accountKey)
            try exchange.secrets.addKeys(of: store, name)
            try server.upload(store)
            stores.append(store)
        }
        let addresses = try stores.map { try $0.localIdentity().address }
        func record(_ index: Int) throws { try exchange.secrets.addKeys(of: stores[index], devices[index].0) }

        var inboxes: [[(number: Int, message: Message)]] = Array(repeating: [], count: devices.count)
        var bodies: [String] = []
        var delivered = Array(repeating: 0, count: devices.count)
        var rotated = false
        while bodies.count < sends || inboxes.contains(where: { !$0.isEmpty }) {
            let waiting = inboxes.indices.filter { !inboxes[$0].isEmpty }
            if bodies.count < sends && (waiting.isEmpty || rng.next() % 2 == 0) {
                let sender = Int(rng.next() % UInt64(devices.count))
                let body = "secret-body-\(UUID().uuidString)"
                exchange.secrets.add(Array(body.utf8), "plaintext \(bodies.count)")
                let recipient = devices[sender].1 == alice ? bob : alice
                let (entry, messages) = try server.send(body, from: stores[sender], to: [recipient])
                if rng.next() % 3 != 0 { try stores[sender].acknowledge(entry) }
                for (address, message) in messages.sorted(by: { $0.key.description < $1.key.description }) {
                    guard let index = addresses.firstIndex(of: address) else { continue }
                    // One in ten is lost: the keys skipped for it stay stored.
                    if rng.next() % 10 != 0 { inboxes[index].append((bodies.count, message)) }
                }
                bodies.append(body)
                try record(sender)
            } else {
                let index = waiting[Int(rng.next() % UInt64(waiting.count))]
                let item = inboxes[index].remove(at: Int(rng.next() % UInt64(inboxes[index].count)))
                let received = try stores[index].receive(item.message, using: SessionCipher())
                #expect(received.message.payload.body == bodies[item.number], "seed \(seed), message \(item.number)")
                delivered[index] += 1
                try record(index)
            }
            if bodies.count == sends / 2 && !rotated {
                rotated = true
                try stores[2].rotateSignedPreKey()
                _ = try stores[2].generateOneTimePreKeys(count: 5)
                try exchange.secrets.addKeys(of: stores[2], "bob")
                try server.upload(stores[2])
            }
        }

        for (index, store) in stores.enumerated() {
            #expect(try store.messageCount() == delivered[index], "seed \(seed)")
        }
        let skipped = try stores.map { try $0.rowCount("skipped_message_keys") }.reduce(0, +)
        let outbox = try stores.map { try $0.rowCount("outbox") }.reduce(0, +)
        let sessions = try stores.map { try $0.rowCount("sessions") }.reduce(0, +)
        #expect(skipped > 0, "seed \(seed): the run should leave skipped keys stored")
        #expect(outbox > 0, "seed \(seed): the run should leave unacknowledged sends")
        #expect(sessions >= 6, "seed \(seed): every device should have sessions with the two others")

        // Open: the latest commits are in the WAL.
        #expect(FileManager.default.fileExists(atPath: directory.path("bob.sqlite-wal")))
        #expect(try exchange.secrets.scan(directory: directory.url) == [:], "seed \(seed), open stores")

        let ratchet = try #require(try stores[0].sessionRecord(for: addresses[2])).active.ratchet
        exchange.planted = [Array(bodies[0].utf8), ratchet.rootKey.exportBytes()]
        return exchange
    }
}
