import Foundation
import Testing
import UncordTestSupport

/// Issue 15, item 5: every command works on a store while `listen` runs on it, `chat` is a terminal conversation, and
/// what must have the store to itself (identity rotation) says so in one line and changes nothing.
@Suite(.serialized)
struct SharedStoreCommandTests {
    @Test func commandsRunBesideListenAndChatTalks() async throws {
        let world = try await NetworkCommandTests.World()
        let harness = world.harness
        let (alice, bob) = (world.alice, world.bob)
        let listening = try harness.start(bob, ["listen", "--json"])
        defer { listening.terminate() }
        _ = try await listening.waitForLine(timeout: .seconds(60)) { $0.contains(#""event":"ready""#) }

        // While Bob's listener holds his store: he sends, and every reading command works.
        let sent = try await world.send("from bob while listening", from: bob, to: alice)
        _ = try await world.receive("from bob while listening", at: alice)
        for arguments in [
            ["status"], ["peers", "list"], ["peers", "show", alice.userID], ["safety-number", alice.userID],
            ["sessions", "list"], ["prekeys", "list"], ["prekeys", "replenish", "--target", "40"], ["sync"],
        ] {
            try await harness.keys(bob, arguments).expectSuccess()
        }
        // The listener still decrypts, and stores what it prints once.
        try await world.send("to bob's listener", from: alice, to: bob)
        _ = try await listening.waitForLine(timeout: .seconds(60)) { $0.contains("to bob's listener") }

        // A rotation needs the store to itself: one clear line, nothing changed.
        let before = try harness.contents(of: bob)
        try await harness.keys(bob, ["identity", "rotate", "--yes"]).expectFailure(
            1, containing: ["in use by another process"])
        let after = try harness.contents(of: bob)
        #expect(after["local_device"] == before["local_device"])
        #expect(after["signed_pre_keys"] == before["signed_pre_keys"])

        // chat: a line typed goes out; a message that arrives is printed; the end of input ends it.
        let chat = try harness.start(bob, ["chat", "--to", alice.userID, "--json"])
        defer { chat.terminate() }
        chat.type("typed in chat\n")
        let sentLine = try await chat.waitForLine(timeout: .seconds(60)) { $0.contains(#""event":"sent""#) }
        #expect(sentLine.contains(world.channel))
        _ = try await world.receive("typed in chat", at: alice)
        try await world.send("answer to chat", from: alice, to: bob)
        let answer = try await chat.waitForLine(timeout: .seconds(60)) { $0.contains("answer to chat") }
        #expect(answer.contains(#""event":"message""#) && answer.contains(alice.userID))
        chat.closeInput()
        let ended = try await chat.finish(timeout: .seconds(30))
        #expect(ended.status == 0, "\(ended.standardError)")
        #expect(UUID(uuidString: sent) != nil)
    }
}
