import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Alice and Bob with one exchanged message each way, then Bob's device gets a new identity key.
private func changedIdentity(
    aliceConfiguration: E2EEConfiguration = .init(), verify: Bool
) async throws -> (alice: TestDevice, bob: TestDevice, channel: UUID, events: [AppEvent], directory: Scratch) {
    let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
    let server = TestServer()
    let alice = try await makeDevice("a", server: server, in: directory, configuration: aliceConfiguration)
    let bob = try await makeDevice("b", server: server, in: directory)
    let channel = await server.createChannel([alice.user, bob.user])
    try await alice.send("one", channel: channel, to: [bob.user])
    _ = await bob.pump()
    try await bob.send("two", channel: channel, to: [alice.user])
    _ = await alice.pump()
    if verify {
        let number = try await bob.engine.safetyNumber(with: alice.user)
        try await alice.engine.verify(user: bob.user, safetyNumber: number.scannableText)
    }
    let newBob = try await makeDevice(
        "b2", user: bob.user, device: bob.device, server: server, in: directory, bootstrap: false)
    try await server.reinstallDevice(
        user: bob.user, device: bob.device, key: try newBob.store.localIdentity().keyPair.publicKey.bytes)
    try await newBob.engine.bootstrap()
    let events = await alice.pump()
    return (alice, newBob, channel, events, directory)
}

@Suite struct TrustTests {
    @Test func anUnverifiedChangeWarnsAndSendingContinuesOnANewSession() async throws {
        let (alice, bob, channel, events, directory) = try await changedIdentity(verify: false)
        _ = directory
        let warning = try #require(events.compactMap(\.trustWarning).first)
        #expect(warning.user == bob.user)
        #expect(!warning.sendingBlocked)
        #expect(warning.previousFingerprint != warning.currentFingerprint)
        #expect(warning.currentFingerprint?.count == 30)
        let peer = try #require(try await alice.engine.peers().first { $0.user == bob.user })
        #expect(peer.identity?.trust == .changed)
        try await alice.send("after change", channel: channel, to: [bob.user])
        #expect(bodies(await bob.pump()).contains("after change"))
    }

    @Test func aVerifiedDevicesChangeBlocksSendingUntilAccepted() async throws {
        let (alice, bob, channel, events, directory) = try await changedIdentity(verify: true)
        _ = directory
        let warning = try #require(events.compactMap(\.trustWarning).first)
        #expect(warning.sendingBlocked)
        let before = try alice.store.pendingSends().count
        await #expect(throws: E2EEError.identityChanged(user: bob.user, devices: [bob.device])) {
            _ = try await alice.engine.prepareMessage(text: "blocked", channel: channel, participants: [bob.user])
        }
        #expect(try alice.store.pendingSends().count == before)
        try await alice.engine.acceptIdentityChange(user: bob.user)
        try await alice.send("accepted", channel: channel, to: [bob.user])
        #expect(bodies(await bob.pump()).contains("accepted"))
    }

    @Test func theBlockPolicyBlocksUnverifiedChanges() async throws {
        var configuration = E2EEConfiguration()
        configuration.unverifiedChanges = .block
        let (alice, bob, channel, events, directory) = try await changedIdentity(
            aliceConfiguration: configuration, verify: false)
        _ = directory
        #expect(events.compactMap(\.trustWarning).first?.sendingBlocked == true)
        await #expect(throws: E2EEError.identityChanged(user: bob.user, devices: [bob.device])) {
            _ = try await alice.engine.prepareMessage(text: "blocked", channel: channel, participants: [bob.user])
        }
    }

    @Test func verifyRefusesAWrongSafetyNumber() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("one", channel: channel, to: [bob.user])
        let wrong = String(repeating: "1", count: 60)
        await #expect(throws: E2EEError.safetyNumberMismatch) {
            try await alice.engine.verify(user: bob.user, safetyNumber: wrong)
        }
        #expect(try await alice.engine.peers().first { $0.user == bob.user }?.identity?.trust == .unverified)
        let stranger = UUID()
        await #expect(throws: E2EEError.unknownPeer(stranger)) {
            try await alice.engine.verify(user: stranger, safetyNumber: wrong)
        }
    }

    @Test func aLinkedDeviceOfAKnownUserIsWrappedForWithoutANotice() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("one", channel: channel, to: [bob.user])
        let bob2 = try await makeDevice("b2", server: server, in: directory, linkedTo: bob)
        let events = await alice.pump()
        #expect(!events.contains { if case .deviceRefused = $0 { true } else { false } })
        try await alice.send("two", channel: channel, to: [bob.user])
        #expect(bodies(await bob2.pump()).contains("two"))
    }
}

/// LINKED_DEVICES.md A2: a device linked to this account (it holds the account key) is reported on the account's
/// other devices, once; the device it was linked from is not reported on it.
@Suite struct OwnDeviceLinkedTests {
    @Test func aNewlyLinkedDeviceIsReportedOnTheOthersOnce() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let laptop = try await makeDevice("laptop", server: server, in: directory)
        let phone = try await makeDevice("phone", server: server, in: directory, linkedTo: laptop)
        let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"s","user":{"id":"u"}}}"#.utf8)
        let events = await laptop.feed([ready])
        #expect(
            events.filter { if case .ownDeviceLinked = $0 { true } else { false } } == [
                .ownDeviceLinked(device: phone.device)
            ])
        #expect(!(await laptop.feed([ready])).contains { if case .ownDeviceLinked = $0 { true } else { false } })
        let own = try await laptop.engine.peer(laptop.user)
        #expect(own.devices.map(\.state) == [.authorized])
    }
}

/// IDENTITY_KEY_CHANGED is not replayed to a device that was away: a new gateway session makes the next send fetch
/// every device list again, so the change is still found before anything is sent on the old session.
@Suite struct MissedIdentityChangeTests {
    @Test func aChangeMissedWhileAwayIsFoundAtTheNextSendAfterReady() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("one", channel: channel, to: [bob.user])
        _ = await bob.pump()
        _ = await alice.pump()
        #expect(try alice.store.deviceListFetchedAt(of: bob.user) != nil)

        // Bob reinstalls while Alice is away: the IDENTITY_KEY_CHANGED meant for her is lost with her old session.
        let newBob = try await makeDevice(
            "b2", user: bob.user, device: bob.device, server: server, in: directory, bootstrap: false)
        try await server.reinstallDevice(
            user: bob.user, device: bob.device, key: try newBob.store.localIdentity().keyPair.publicKey.bytes)
        try await newBob.engine.bootstrap()
        _ = await server.drainFrames(for: alice.user, device: alice.device)

        let ready = Array(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"again","user":{"id":"u"}}}"#.utf8)
        _ = await alice.feed([ready])
        #expect(try alice.store.deviceListFetchedAt(of: bob.user) == nil)

        let prepared = try await alice.engine.prepareMessage(text: "still you?", channel: channel, participants: [])
        let warning = try #require(prepared.warnings.first)
        #expect(warning.user == bob.user)
        let sent = try await server.client(for: alice.user).sendMessage(channel: channel, body: prepared.body)
        try await alice.engine.markSent(prepared, messageID: sent.id)
        #expect(bodies(await newBob.pump()) == ["still you?"])
    }
}
