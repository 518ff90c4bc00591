import Foundation
import Testing
import UncordCrypto
import UncordTestSupport

@testable import UncordRatchet

/// ``InMemoryRatchetStore/commit(_:)`` moves the change set's records into the store (a swap for a device that has a
/// record, Docs/PERFORMANCE.md): the store ends exactly as plain assignment of every change would leave it, and a
/// copy of the change set the caller kept is not touched.
@Suite("In-memory commits move records")
struct StoreCommitTests {
    /// A record of its own: a new initiating ratchet with `sent` messages sent, so that records differ in their keys
    /// and counters.
    static func record(sent: Int, using random: some RandomSource) throws -> SessionRecord {
        let spk = X25519.PrivateKey.generate(using: random)
        var ratchet = try DoubleRatchet.initiator(
            sharedSecret: SecureBytes(random: 32, using: random),
            associatedData: random.bytes(X3DH.associatedDataByteCount), peerSignedPreKey: spk.publicKey,
            using: RandomKeyPairs(random))
        for _ in 0..<sent { _ = try ratchet.encrypt([UInt8](repeating: 7, count: 64)) }
        let session = Session(
            ratchet: ratchet, peerIdentity: X25519.PrivateKey.generate(using: random).publicKey,
            baseKey: X25519.PrivateKey.generate(using: random).publicKey, initiatedLocally: true, pendingPreKey: nil)
        return SessionRecord(active: session)
    }

    /// A store holding records for `addresses`, committed in one change set.
    static func store(
        with addresses: [DeviceAddress], using random: some RandomSource
    ) throws -> (InMemoryRatchetStore, [DeviceAddress: SessionRecord]) {
        let local = LocalIdentity(
            address: DeviceAddress(user: UUID(), device: UUID()), keyPair: .generate(using: random))
        let store = InMemoryRatchetStore(local: local)
        var changes = StoreChangeSet()
        for (index, address) in addresses.enumerated() {
            changes.sessionRecords[address] = try record(sent: index, using: random)
        }
        let records = changes.sessionRecords
        store.commit(changes)
        return (store, records)
    }

    @Test("Replaced, new and untouched records end as plain assignment leaves them")
    func equalsAssignment() throws {
        let random = DeterministicRandom.seeded("StoreCommitTests.equalsAssignment").random
        let user = UUID()
        let addresses = (0..<12).map { _ in DeviceAddress(user: user, device: UUID()) }
        let (store, initial) = try Self.store(with: Array(addresses[0..<8]), using: random)

        // Devices 2..<8 get new records (a swap), 8..<12 their first (an insertion); 0 and 1 are left alone.
        var changes = StoreChangeSet()
        for (index, address) in addresses[2...].enumerated() {
            changes.sessionRecords[address] = try Self.record(sent: 20 + index, using: random)
        }
        let pin = PinnedIdentity(key: X25519.PrivateKey.generate(using: random).publicKey, level: .unverified)
        changes.pinnedIdentities[addresses[0]] = pin
        var expected = store.snapshot
        for (address, record) in changes.sessionRecords { expected.sessionRecords[address] = record }
        expected.pinnedIdentities[addresses[0]] = pin
        expected.commitCount += 1

        store.commit(changes)
        let after = store.snapshot
        #expect(after == expected)
        #expect(after.sessionRecords.count == 12)
        #expect(after.sessionRecords[addresses[0]] == initial[addresses[0]])
        #expect(after.sessionRecords[addresses[5]] != initial[addresses[5]])
    }

    @Test("A copy of the change set the caller kept still holds the new records")
    func callerCopyUntouched() throws {
        let random = DeterministicRandom.seeded("StoreCommitTests.callerCopyUntouched").random
        let user = UUID()
        let addresses = (0..<4).map { _ in DeviceAddress(user: user, device: UUID()) }
        let (store, initial) = try Self.store(with: addresses, using: random)

        var changes = StoreChangeSet()
        for (index, address) in addresses.enumerated() {
            changes.sessionRecords[address] = try Self.record(sent: 10 + index, using: random)
        }
        let kept = changes
        store.commit(changes)
        #expect(kept == changes)
        #expect(store.snapshot.sessionRecords == kept.sessionRecords)
        for address in addresses { #expect(kept.sessionRecords[address] != initial[address]) }
    }

    @Test("Taking the changes of a step leaves it none and keeps its notices")
    func takeChanges() throws {
        let random = DeterministicRandom(seed: 17)
        let address = DeviceAddress(user: UUID(), device: UUID())
        let key = X25519.PrivateKey.generate(using: random).publicKey
        var step = PendingStep()
        step.changes.sessionRecords[address] = try Self.record(sent: 1, using: random)
        step.notices.append(.pinned(address, key: key))
        let before = step.changes

        let taken = step.takeChanges()
        #expect(taken == before)
        #expect(step.changes.isEmpty)
        #expect(step.notices.count == 1)

        var set = taken
        let records = set.takeSessionRecords()
        #expect(records == before.sessionRecords)
        #expect(set.sessionRecords.isEmpty)
    }
}
