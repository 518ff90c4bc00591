import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Issue 14, item 3: the real server's Resume replays only what it queued before it noticed the drop; RESUMED
/// catches up as READY does.
@Suite struct ResumeCatchUpTests {
    @Test func resumedCatchesUpOnWhatTheReplayLeftOut() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let first = try await alice.send("before the drop", channel: channel, to: [bob.user])
        _ = await bob.pump()
        let lost = try await alice.send("published after the drop was noticed", channel: channel, to: [bob.user])
        _ = await server.drainFrames(for: bob.user, device: bob.device)  // never replayed
        let resumed = Array(#"{"op":0,"s":9,"t":"RESUMED","d":{}}"#.utf8)
        let events = await bob.feed([resumed])
        #expect(bodies(events) == ["published after the drop was noticed"])
        #expect(try bob.store.message(id: lost.id) != nil && bob.store.message(id: first.id) != nil)
        #expect(bodies(await bob.feed([resumed])).isEmpty)
    }
}

/// Issue 14, item 4: a signed pre-key the server already has (an earlier upload's answer was lost) counts as
/// uploaded; before, every later bootstrap failed on the server's 409.
@Suite struct SignedPreKeyDuplicateTests {
    @Test func aSignedPreKeyTheServerAlreadyHasCountsAsUploaded() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let record = try await alice.engine.rotateSignedPreKey()
        // The upload reached the server but the device never heard: its store still says unpublished.
        try alice.store.connection.write { db in
            try db.run("UPDATE signed_pre_keys SET published = 0 WHERE key_id = ?", [.integer(Int64(record.id))])
        }
        try await alice.engine.bootstrap()
        #expect(try alice.store.isCurrentSignedPreKeyPublished())
    }
}

/// The real server's identity-key PUT replaces only the key: the device's one-time pre-keys stay and keep being
/// handed out. Before, a rotation deleted their private halves, so a peer handed one started a session this device
/// could not open (`unknownPreKey`) until the old pool was used up.
@Suite struct IdentityRotationPreKeyTests {
    @Test func anOldOneTimePreKeyHandedOutAfterARotationStillOpensTheSession() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory, oneTimePreKeys: 30)
        let old = Set(try alice.store.oneTimePreKeyList().map(\.id))
        let rotation = try await alice.engine.rotateIdentity(oneTimePreKeys: 10)
        let onServer = try #require(await server.devices[alice.user]?.first)
        #expect(onServer.identityKey == rotation.identityKey.bytes)
        #expect(onServer.signedPreKey?.keyID == rotation.signedPreKey.id)
        #expect(onServer.oneTimePreKeys.count == 40)

        // Carol meets Alice after the rotation: the server hands her the oldest one-time pre-key, one Alice made
        // under her previous identity key.
        let carol = try await makeDevice("c", server: server, in: directory)
        let channel = await server.createChannel([alice.user, carol.user])
        let handedOut = try #require(await server.devices[alice.user]?.first?.oneTimePreKeys.first?.keyID)
        #expect(old.contains(handedOut))
        try await carol.send("hello after the rotation", channel: channel, to: [alice.user])
        #expect(await server.devices[alice.user]?.first?.oneTimePreKeys.contains { $0.keyID == handedOut } == false)
        let events = await alice.pump()
        #expect(bodies(events) == ["hello after the rotation"], "\(events)")
        #expect(try alice.store.oneTimePreKey(id: handedOut) == nil, "consumed by the session it opened")
        try await alice.send("reply", channel: channel, to: [carol.user])
        #expect(bodies(await carol.pump()).contains("reply"))
    }
}
