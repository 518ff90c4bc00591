import Foundation
import Synchronization
import Testing
import UncordCrypto
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Leases (issue 15): work that must run in one process at a time among those sharing a store. One holder at a time,
/// renewed by its holder, lost on expiry (a holder killed with SIGKILL), released only by its holder.
@Suite("SQLite store: leases")
struct SQLiteStoreLeaseTests {
    @Test("One holder at a time; renewal, release and expiry")
    func oneHolder() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let clock: @Sendable () -> Date = { now.withLock { $0 } }
        let first = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 1,
            clock: clock)
        let second = try SQLiteStore.open(at: path, key: .rawKey(key), clock: clock)

        #expect(try first.takeLease("work", holder: "a", for: 30))
        #expect(try !second.takeLease("work", holder: "b", for: 30))
        #expect(try second.takeLease("other work", holder: "b", for: 30))
        #expect(try first.takeLease("work", holder: "a", for: 30))  // renewed by its holder
        #expect(try second.leaseHolder("work")?.holder == "a")

        try second.releaseLease("work", holder: "b")  // not b's: left alone
        #expect(try !second.takeLease("work", holder: "b", for: 30))

        now.withLock { $0 += 31 }  // a holds it no longer: killed, say
        #expect(try second.leaseHolder("work") == nil)
        #expect(try second.takeLease("work", holder: "b", for: 30))
        #expect(try !first.takeLease("work", holder: "a", for: 30))
        try second.releaseLease("work", holder: "b")
        #expect(try first.takeLease("work", holder: "a", for: 30))
    }

    @Test("Of many connections asking at once, exactly one gets the lease")
    func race() async throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let key = randomStoreKey()
        _ = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: UUID(), device: UUID()), key: .rawKey(key), oneTimePreKeys: 1)
        let stores = try (0..<6).map { _ in try SQLiteStore.open(at: path, key: .rawKey(key)) }
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask { try store.takeLease("work", holder: "holder-\(index)", for: 30) }
            }
            var won = 0
            for try await taken in group where taken { won += 1 }
            return won
        }
        #expect(winners == 1)
    }
}
