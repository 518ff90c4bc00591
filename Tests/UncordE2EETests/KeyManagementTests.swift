import Foundation
import Synchronization
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// What `uncord-keys` asks of the engine: the offline engine, trust decisions, session resets, identity rotation,
/// pre-key top-ups to a target with progress, signed pre-key rotation on demand and the bundle export.
@Suite struct KeyManagementTests {
    /// Alice and Bob with one message each way in a DM channel.
    struct Conversation {
        let directory: Scratch
        let server: TestServer
        let alice: TestDevice
        let bob: TestDevice
        let channel: UUID

        init() async throws {
            directory = try Scratch("uncord-e2ee", passphraseFiles: false)
            server = TestServer()
            alice = try await makeDevice("a", server: server, in: directory)
            bob = try await makeDevice("b", server: server, in: directory)
            channel = await server.createChannel([alice.user, bob.user])
            try await alice.send("one", channel: channel, to: [bob.user])
            #expect(bodies(await bob.pump()).contains("one"))
            try await bob.send("two", channel: channel, to: [alice.user])
            #expect(bodies(await alice.pump()).contains("two"))
        }
    }

    @Test func anOfflineEngineServesTheLocalWorkAndRefusesTheServersAtOnce() async throws {
        let talk = try await Conversation()
        let offline = try E2EEEngine(offline: talk.alice.store, logger: quietLogger)
        #expect(try await offline.peer(talk.bob.user).devices.map(\.address.device) == [talk.bob.device])
        #expect(try await offline.peer(talk.bob.user).devices.map(\.state) == [.authorized])
        #expect(
            try await offline.safetyNumber(with: talk.bob.user)
                == talk.bob.engine.safetyNumber(with: talk.alice.user))
        await #expect(throws: E2EEError.server(detail: "no server: this engine works offline")) {
            _ = try await offline.prepareMessage(text: "x", channel: talk.channel, participants: [UUID()])
        }
        let fingerprint = try #require(try await offline.peer(talk.bob.user).fingerprint)
        #expect(fingerprint.count == 30 && fingerprint.allSatisfy(\.isNumber))
        #expect(
            fingerprint
                == (try SafetyNumber.fingerprint(
                    user: talk.bob.user,
                    identityKeys: [
                        try talk.bob.store.localIdentity().keyPair.publicKey
                    ])))
    }

    @Test func verifyingAChangedKeyNeedsItAcceptedFirst() async throws {
        let talk = try await Conversation()
        await #expect(throws: E2EEError.noIdentityChange(user: talk.bob.user)) {
            try await talk.alice.engine.acceptIdentityChange(user: talk.bob.user)
        }
        let stranger = UUID()
        await #expect(throws: E2EEError.unknownPeer(stranger)) {
            try await talk.alice.engine.acceptIdentityChange(user: stranger)
        }

        // Bob's device gets a new identity key; Alice hears of it and pins it as changed.
        try await talk.bob.engine.rotateIdentity()
        _ = await talk.alice.pump()
        #expect(try await talk.alice.engine.peer(talk.bob.user).identity?.trust == .changed)
        let number = try await talk.bob.engine.safetyNumber(with: talk.alice.user)
        let before = try talk.alice.store.peerIdentity(of: talk.bob.user)
        await #expect(throws: E2EEError.identityChanged(user: talk.bob.user, devices: [talk.bob.device])) {
            try await talk.alice.engine.verify(user: talk.bob.user, safetyNumber: number.digits)
        }
        #expect(try talk.alice.store.peerIdentity(of: talk.bob.user) == before)

        try await talk.alice.engine.acceptIdentityChange(user: talk.bob.user)
        try await talk.alice.engine.verify(user: talk.bob.user, safetyNumber: number.formatted)
        #expect(try await talk.alice.engine.peer(talk.bob.user).identity?.trust == .verified)
    }

    @Test func aSessionResetStartsANewSessionOnTheNextSendAndTheConversationGoesOn() async throws {
        let talk = try await Conversation()
        let bob = DeviceAddress(user: talk.bob.user, device: talk.bob.device)
        let stranger = DeviceAddress(user: bob.user, device: UUID())
        await #expect(throws: E2EEError.noSession(user: stranger.user, device: stranger.device)) {
            try await talk.alice.engine.resetSessions(with: stranger)
        }
        let old = try #require(try talk.alice.store.sessionRecord(for: bob)).active.baseKey
        #expect(try await talk.alice.engine.resetSessions(with: bob) == 1)
        #expect(try await talk.alice.engine.sessions().first?.archivedAt != nil)

        let fetches = await talk.server.bundleFetches.count
        try await talk.alice.send("three", channel: talk.channel, to: [bob.user])
        #expect(await talk.server.bundleFetches.count == fetches + 1)
        let record = try #require(try talk.alice.store.sessionRecord(for: bob))
        #expect(record.active.baseKey != old && !record.isArchived)
        #expect(bodies(await talk.bob.pump()).contains("three"))
        try await talk.bob.send("four", channel: talk.channel, to: [talk.alice.user])
        #expect(bodies(await talk.alice.pump()).contains("four"))
    }

    @Test func aRotatedIdentityIsUploadedPeersAreWarnedAndTheConversationGoesOn() async throws {
        let talk = try await Conversation()
        let old = try talk.alice.store.localIdentity().keyPair.publicKey
        let kept = await talk.server.oneTimePreKeyCount(user: talk.alice.user, device: talk.alice.device)
        let rotation = try await talk.alice.engine.rotateIdentity(oneTimePreKeys: 20)
        #expect(rotation.previousIdentityKey == old && rotation.archivedSessions == 1)
        let onServer = try #require(await talk.server.devices[talk.alice.user]?.first)
        #expect(onServer.identityKey == rotation.identityKey.bytes)
        #expect(onServer.signedPreKey?.keyID == rotation.signedPreKey.id)
        #expect(onServer.oneTimePreKeys.count == kept + 20)  // the server keeps the old ones, as the real one does
        #expect(try talk.alice.store.isIdentityPublished())

        let warnings = await talk.bob.pump().compactMap(\.trustWarning)
        #expect(warnings.map(\.user) == [talk.alice.user])
        try await talk.bob.send("after", channel: talk.channel, to: [talk.alice.user])
        #expect(bodies(await talk.alice.pump()).contains("after"))
        try await talk.alice.send("reply", channel: talk.channel, to: [talk.bob.user])
        #expect(bodies(await talk.bob.pump()).contains("reply"))
    }

    @Test func aRotationWhoseUploadFailedIsFinishedByTheNextBootstrap() async throws {
        let talk = try await Conversation()
        let kept = await talk.server.oneTimePreKeyCount(user: talk.alice.user, device: talk.alice.device)
        let offline = try E2EEEngine(offline: talk.alice.store, logger: quietLogger)
        await #expect(throws: E2EEError.server(detail: "no server: this engine works offline")) {
            try await offline.rotateIdentity()
        }
        #expect(!(try talk.alice.store.isIdentityPublished()))
        let key = try talk.alice.store.localIdentity().keyPair.publicKey.bytes
        #expect(await talk.server.devices[talk.alice.user]?.first?.identityKey != key)

        try await talk.alice.engine.bootstrap()
        #expect(await talk.server.devices[talk.alice.user]?.first?.identityKey == key)
        #expect(try talk.alice.store.isIdentityPublished())
        #expect(try talk.alice.store.isCurrentSignedPreKeyPublished())
        // The 100 new keys join the old ones the server kept.
        #expect(await talk.server.oneTimePreKeyCount(user: talk.alice.user, device: talk.alice.device) == kept + 100)
    }

    @Test func aTopUpToATargetReportsItsProgressAndItsFailures() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 5)
        let steps = Mutex<[PreKeyProgress]>([])
        let result = try await bob.engine.replenishOneTimePreKeys(target: 250) { step in
            steps.withLock { $0.append(step) }
        }
        #expect(result == PreKeyReplenishment(onServerBefore: 5, generated: 245, uploaded: 245, onServerAfter: 250))
        #expect(
            steps.withLock { $0 } == [
                .generated(245), .uploaded(100, of: 245), .uploaded(200, of: 245),
                .uploaded(245, of: 245),
            ])

        await server.setFailingUploads(1)
        await #expect(throws: E2EEError.server(detail: "SERVICE_UNAVAILABLE")) {
            try await bob.engine.replenishOneTimePreKeys(target: 260)
        }
        #expect(try bob.store.pendingOneTimePreKeys().count == 10)
        let retried = try await bob.engine.replenishOneTimePreKeys(target: 260)
        #expect(retried == PreKeyReplenishment(onServerBefore: 250, generated: 0, uploaded: 10, onServerAfter: 260))
    }

    @Test func aSignedPreKeyRotatesOnDemandAndIsUploaded() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory)
        let before = try bob.store.currentSignedPreKey()
        let record = try await bob.engine.rotateSignedPreKey()
        #expect(record.id == before.id + 1)
        #expect(await server.devices[bob.user]?.first?.signedPreKey?.keyID == record.id)
        #expect(try bob.store.signedPreKeyList().map(\.id) == [record.id, before.id])
    }

    @Test func theBundleExportHoldsTheExactBodiesOfARegistration() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let bob = try await makeDevice("b", server: server, in: directory, oneTimePreKeys: 150, bootstrap: false)
        let export = try await bob.engine.bundleExport()
        let identity = try bob.store.localIdentity().keyPair.publicKey
        #expect(export.register == RegisterDeviceRequest(deviceID: bob.device, identityKey: identity.bytes))
        let signed = try bob.store.currentSignedPreKey()
        #expect(
            export.signedPreKey
                == UploadSignedPreKeyRequest(
                    keyID: signed.id, publicKey: signed.publicKey.bytes, signature: signed.signature))
        #expect(export.oneTimePreKeys.map(\.preKeys.count) == [100, 50])
        #expect(export.oneTimePreKeys.flatMap(\.preKeys).map(\.keyID) == Array(1...150))

        // The same bodies registered by hand make a device others can start sessions with.
        let client = await server.client(for: bob.user)
        _ = try await client.registerDevice(export.register)
        try await client.uploadSignedPreKey(device: bob.device, export.signedPreKey)
        for batch in export.oneTimePreKeys { try await client.uploadOneTimePreKeys(device: bob.device, batch) }
        try bob.store.markRegistered()
        try bob.store.markSignedPreKeyPublished(id: signed.id)
        try bob.store.markPublished(oneTimePreKeys: Array(1...150))
        let alice = try await makeDevice("a", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("by hand", channel: channel, to: [bob.user])
        #expect(bodies(await bob.pump()).contains("by hand"))
        #expect(try await bob.engine.bundleExport().oneTimePreKeys.isEmpty)
    }
}
