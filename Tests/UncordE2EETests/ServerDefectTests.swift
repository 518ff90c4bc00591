import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// The published server's defects (Docs/UNCORD_SERVER.md section 3), as the engine diagnoses them: each is said once,
/// in one line that points at the notes, instead of a bare server error or an endless run of undecryptable messages.
@Suite struct ServerDefectTests {
    // MARK: Defect 1: registration answers 500

    @Test func aRegistrationAnswered500IsDiagnosedAndNothingIsStoredAsRegistered() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        await server.setRegistrationFails(true)
        let alice = try await makeDevice("a", server: server, in: directory, bootstrap: false)
        await #expect(throws: E2EEError.serverCannotRegisterDevices) { try await alice.engine.bootstrap() }
        #expect(!(try alice.store.isRegistered()))
        #expect(try alice.store.pendingOneTimePreKeys().count == 100)
        #expect(await server.devices[alice.user] == nil)
        let line = E2EEError.serverCannotRegisterDevices.description
        #expect(line.hasPrefix("this server cannot register devices: see Docs/UNCORD_SERVER.md"))
        #expect(!line.contains("\n"))

        // A patched server: the next bootstrap registers as if nothing had happened.
        await server.setRegistrationFails(false)
        try await alice.engine.bootstrap()
        #expect(try alice.store.isRegistered())
        #expect(await server.oneTimePreKeyCount(user: alice.user, device: alice.device) == 100)
    }

    // MARK: Defect 2: message keys never stored

    /// Alice and Bob with one message each way, then a server that drops every message key.
    private func brokenConversation() async throws -> (TestServer, TestDevice, TestDevice, UUID, Scratch) {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        try await alice.send("one", channel: channel, to: [bob.user])
        #expect(bodies(await bob.pump()) == ["one"])
        try await bob.send("two", channel: channel, to: [alice.user])
        #expect(bodies(await alice.pump()).contains("two"))
        _ = await bob.pump()  // the echo of Bob's own send
        await server.setDropsMessageKeys(true)
        return (server, alice, bob, channel, directory)
    }

    @Test func messagesFromAPeerArrivingWithoutKeysRepeatedlyAreDiagnosedOncePerRun() async throws {
        let (server, alice, bob, channel, directory) = try await brokenConversation()
        var sent: [UUID] = []
        for text in ["three", "four", "five"] { sent.append(try await alice.send(text, channel: channel, to: []).id) }
        let listCalls = await server.listCalls
        let events = await bob.pump()
        #expect(
            events == [
                .undecryptable(messageID: sent[0], reason: .noKeyForThisDevice),
                .undecryptable(messageID: sent[1], reason: .noKeyForThisDevice),
                .undecryptable(messageID: sent[2], reason: .noKeyForThisDevice),
                .serverDiagnosis(.messageKeysNotDelivered),
            ])
        #expect(await server.listCalls == listCalls + 3)  // each message's key was asked for by X-Device-ID
        let line = ServerDiagnosis.messageKeysNotDelivered.description
        #expect(line.contains("does not deliver message keys to this device") && line.contains("Docs/UNCORD_SERVER.md"))

        // Once per engine run: more messages without keys are reported one by one, the diagnosis not again.
        for text in ["six", "seven", "eight"] { try await alice.send(text, channel: channel, to: []) }
        let later = await bob.pump()
        #expect(later.count == 3 && later.allSatisfy { $0.isNoKeyForThisDevice })

        // A new run of the engine says it again.
        let reopened = try E2EEEngine(store: bob.store, server: await server.client(for: bob.user), logger: quietLogger)
        let again = TestDevice(store: bob.store, engine: reopened, server: server)
        for text in ["nine", "ten", "eleven"] { try await alice.send(text, channel: channel, to: []) }
        #expect(await again.pump().filter { !$0.isNoKeyForThisDevice } == [.serverDiagnosis(.messageKeysNotDelivered)])
        _ = directory
    }

    @Test func aMessageDecryptedInBetweenStartsTheCountAgain() async throws {
        let (server, alice, bob, channel, directory) = try await brokenConversation()
        for text in ["three", "four"] { try await alice.send(text, channel: channel, to: []) }
        await server.setDropsMessageKeys(false)
        try await alice.send("five", channel: channel, to: [])
        await server.setDropsMessageKeys(true)
        for text in ["six", "seven"] { try await alice.send(text, channel: channel, to: []) }
        let events = await bob.pump()
        #expect(bodies(events) == ["five"])
        #expect(events.filter(\.isNoKeyForThisDevice).count == 4)
        #expect(events.count == 5)
        _ = directory
    }

    @Test func anOrdinaryRunNeverDiagnosesADefect() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let carol = try await makeDevice("c", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user, carol.user])
        var events: [AppEvent] = []
        for round in 0..<4 {
            try await alice.send("a\(round)", channel: channel, to: [bob.user])
            events += await bob.pump()
            try await bob.send("b\(round)", channel: channel, to: [alice.user])
            events += await alice.pump()
        }
        // Carol, whom Bob never met, writes to Alice alone: Bob is rightly not addressed, three times in a row.
        for round in 0..<3 { try await carol.send("c\(round)", channel: channel, to: [alice.user]) }
        let unaddressed = await bob.pump()
        #expect(unaddressed.filter(\.isNoKeyForThisDevice).count == 3)
        events += unaddressed + (await alice.pump())
        #expect(!events.contains { if case .serverDiagnosis = $0 { true } else { false } })
        #expect(Set(bodies(events).filter { $0.hasPrefix("a") || $0.hasPrefix("b") }).count == 8)
    }

    // MARK: An empty device list

    @Test func aUserWhoseDevicesHaveNoSignedPreKeyHasNoBundleAndNothingIsStored() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        // Bob's device registered, but its signed pre-key never went up: the server answers 200 {"devices": []}.
        let bob = try await makeDevice("b", server: server, in: directory, bootstrap: false)
        let identity = try bob.store.localIdentity().keyPair.publicKey.bytes
        _ = try await server.registerDevice(
            user: bob.user, RegisterDeviceRequest(deviceID: bob.device, identityKey: identity))
        #expect(try await server.client(for: alice.user).keyBundle(of: bob.user).devices.isEmpty)

        let channel = await server.createChannel([alice.user, bob.user])
        await #expect(throws: E2EEError.noBundle(user: bob.user)) {
            _ = try await alice.engine.prepareMessage(text: "hello", channel: channel, participants: [bob.user])
        }
        #expect(try alice.store.peerIdentity(of: bob.user) == nil)
        #expect(try alice.store.deviceAuthorizations(of: bob.user).isEmpty)
        #expect(try alice.store.devices(of: bob.user) == nil)
        #expect(try alice.store.pendingSends().isEmpty)
        await #expect(throws: E2EEError.unknownPeer(bob.user)) { _ = try await alice.engine.peer(bob.user) }
        #expect(try await alice.engine.peers().allSatisfy { $0.user != bob.user })
    }
}

extension AppEvent {
    /// Whether this is `.undecryptable(…, .noKeyForThisDevice)`.
    var isNoKeyForThisDevice: Bool {
        if case .undecryptable(_, .noKeyForThisDevice) = self { return true }
        return false
    }
}
