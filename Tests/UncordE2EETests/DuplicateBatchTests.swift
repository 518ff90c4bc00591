import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordStore
import UncordTestSupport

/// A one-time pre-key batch the server refuses whole as `DUPLICATE_KEY_ID` (it holds some of the keys: an earlier
/// upload succeeded and its answer was lost) is resolved in few requests — the real server allows 60 a minute — and
/// every key still ends up on the server exactly once and marked uploaded.
@Suite struct DuplicateBatchTests {
    /// A registered device of `server` whose `pending` one-time pre-keys are not on the server yet, and those keys.
    private func deviceWithPendingKeys(
        _ count: Int, server: TestServer, in directory: Scratch
    ) async throws -> (TestDevice, [PublishedPreKey]) {
        let device = try await makeDevice("a", server: server, in: directory, oneTimePreKeys: count, bootstrap: false)
        await server.setFailingUploads(1)
        await #expect(throws: E2EEError.self) { try await device.engine.bootstrap() }  // registered, SPK up, OPKs not
        let pending = try device.store.pendingOneTimePreKeys()
        #expect(pending.count == count)
        return (device, pending)
    }

    /// Puts `keys` on the server as one upload the device never heard the answer of.
    private func uploadBehindTheDevicesBack(_ keys: [PublishedPreKey], of device: TestDevice) async throws {
        try await device.server.uploadOneTimePreKeys(
            user: device.user, device: device.device,
            UploadOneTimePreKeysRequest(
                preKeys: keys.map { OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes) }))
    }

    /// Every pending key is on the server exactly once and none is left pending.
    private func expectEveryKeyOnTheServerOnce(_ keys: [PublishedPreKey], of device: TestDevice) async throws {
        let state = try #require(await device.server.devices[device.user]?.first { $0.deviceID == device.device })
        #expect(state.oneTimePreKeys.map(\.keyID).sorted() == keys.map(\.id).sorted())
        #expect(try device.store.pendingOneTimePreKeys().isEmpty)
    }

    @Test func aBatchOfOneHundredWithOneKnownKeyCostsAboutTwiceLogTwoRequests() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (device, pending) = try await deviceWithPendingKeys(100, server: server, in: directory)
        try await uploadBehindTheDevicesBack([pending[37]], of: device)
        let before = await server.oneTimePreKeyUploadRequests
        try await device.engine.bootstrap()
        let requests = await server.oneTimePreKeyUploadRequests - before
        // The refused batch, then at most two requests per halving: 1 + 2·⌈log2 100⌉ = 15 (key by key: 101).
        #expect(requests <= 15, "\(requests) upload requests")
        try await expectEveryKeyOnTheServerOnce(pending, of: device)
    }

    @Test func aBatchTheServerHoldsWhollyCostsAboutOneRequestPerKey() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let (device, pending) = try await deviceWithPendingKeys(100, server: server, in: directory)
        try await uploadBehindTheDevicesBack(pending, of: device)
        let before = await server.oneTimePreKeyUploadRequests
        try await device.engine.bootstrap()
        let requests = await server.oneTimePreKeyUploadRequests - before
        // Every key must be refused alone to be known as there: 100 is the least; halving all the way would cost 199.
        #expect(requests <= 107, "\(requests) upload requests")
        try await expectEveryKeyOnTheServerOnce(pending, of: device)
    }

    @Test func anyMixOfKnownKeysEndsWithEveryKeyOnTheServerOnce() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("DuplicateBatchTests seed: \(seed)")
        let random = SeededRandom(seed: seed)
        for round in 0..<12 {
            let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
            let server = TestServer()
            let count = 1 + random.below(140)
            let (device, pending) = try await deviceWithPendingKeys(count, server: server, in: directory)
            // Earlier uploads whose answers were lost: runs of neighbouring keys, and single keys.
            var known: Set<Int> = []
            for _ in 0..<random.below(4) {
                let start = random.below(count)
                let run = Array(start..<min(count, start + 1 + random.below(40)))
                guard known.isDisjoint(with: run) else { continue }
                try await uploadBehindTheDevicesBack(run.map { pending[$0] }, of: device)
                known.formUnion(run)
            }
            for _ in 0..<random.below(5) {
                let index = random.below(count)
                guard known.insert(index).inserted else { continue }
                try await uploadBehindTheDevicesBack([pending[index]], of: device)
            }
            try await device.engine.bootstrap()
            let state = try #require(await server.devices[device.user]?.first { $0.deviceID == device.device })
            #expect(
                state.oneTimePreKeys.map(\.keyID).sorted() == pending.map(\.id).sorted(),
                "seed \(seed), round \(round): \(count) keys, \(known.count) known")
            #expect(try device.store.pendingOneTimePreKeys().isEmpty, "seed \(seed), round \(round)")
        }
    }
}
