import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

@Suite struct PreKeyLifecycleTests {
    @Test func bundleFetchesFireKeyBundleLowAndTheOwnerTopsUp() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 12)
        let alice = try await makeDevice("a", server: server, in: directory)
        let client = await server.client(for: alice.user)
        _ = try await client.keyBundle(of: bob.user)
        #expect(await bob.pump().isEmpty)
        _ = try await client.keyBundle(of: bob.user)  // leaves 10: KEY_BUNDLE_LOW
        let events = await bob.pump()
        #expect(events == [.keysReplenished(count: 90)])
        #expect(await server.oneTimePreKeyCount(user: bob.user, device: bob.device) == 100)
        #expect(try bob.store.pendingOneTimePreKeys().isEmpty)
    }

    @Test func keyBundleLowForAnotherDeviceIsIgnored() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 5)
        let frame = Frame(
            op: .dispatch, sequence: 1, type: .keyBundleLow,
            data: try RawJSON(encoding: KeyBundleLow(deviceID: UUID(), remaining: 0)))
        let events = await bob.engine.process(frame: frame)
        #expect(events == [.passthrough(bytes: frame.encoded(), frame: frame)])
        #expect(await server.uploadedBatches.count == 1)
    }

    @Test func concurrentTriggersCoalesceIntoOneReplenishment() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 0, bootstrap: false)
        try await bob.engine.bootstrap()
        await server.setUploadDelay(.milliseconds(100))
        let low = Frame(
            op: .dispatch, sequence: 1, type: .keyBundleLow,
            data: try RawJSON(encoding: KeyBundleLow(deviceID: bob.device, remaining: 0)))
        async let first = bob.engine.process(frame: low)
        async let second = bob.engine.process(frame: low)
        async let third = bob.engine.replenishOneTimePreKeys()
        let results = await (first, second, third)
        #expect(results.0 == [.keysReplenished(count: 100)])
        #expect(results.1 == [.keysReplenished(count: 100)])
        #expect(results.2 == 100)
        #expect(await server.oneTimePreKeyCount(user: bob.user, device: bob.device) == 100)
        #expect(await server.uploadedBatches.map(\.count) == [100])
    }

    @Test func largeTopUpsGoInBatchesOfAtMostOneHundred() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        var configuration = E2EEConfiguration()
        configuration.oneTimePreKeyTarget = 250
        let server = TestServer()
        let bob = try await makeDevice(
            "b", server: server, in: directory, oneTimePreKeys: 0, configuration: configuration)
        #expect(await bob.engine.replenishOneTimePreKeys() == 250)
        #expect(await server.uploadedBatches.map(\.count) == [100, 100, 50])
    }

    @Test func aFailedUploadIsRetriedWithTheSameKeys() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 0)
        await server.setFailingUploads(1)
        #expect(await bob.engine.replenishOneTimePreKeys() == 0)
        let pending = try bob.store.pendingOneTimePreKeys().map(\.id)
        #expect(pending.count == 100)
        #expect(await bob.engine.replenishOneTimePreKeys() == 100)
        #expect(await server.uploadedBatches == [pending])
        #expect(try bob.store.pendingOneTimePreKeys().isEmpty)
    }

    @Test func signedPreKeyRotatesWhenOlderThanTheConfiguredAge() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        var configuration = E2EEConfiguration()
        configuration.signedPreKeyRotationAge = 0
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, configuration: configuration)
        let first = try bob.store.currentSignedPreKey().id
        try await bob.engine.rotateSignedPreKeyIfNeeded()
        let second = try bob.store.currentSignedPreKey().id
        #expect(second > first)
        #expect(try bob.store.isCurrentSignedPreKeyPublished())
        #expect(try bob.store.signedPreKey(id: first) != nil)  // kept for the grace period
    }
}
