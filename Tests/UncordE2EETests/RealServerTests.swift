import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet

@_spi(DevServer) @testable import UncordStore

/// Issue 14, item 3: the real server's Resume replays only what it queued before it noticed the drop; RESUMED
/// catches up as READY does.
@Suite struct ResumeCatchUpTests {
    @Test func resumedCatchesUpOnWhatTheReplayLeftOut() async throws {
        let directory = try ScratchDirectory()
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
        let directory = try ScratchDirectory()
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
