import Foundation
import Testing
import UncordE2EE
import UncordStore
import UncordTestSupport

/// The store learns who is in a channel, since the server's channel objects do not say: sends after the first need
/// not name the members.
@Suite struct ChannelMemberTests {
    @Test func aSendToAChannelWithNoKnownMemberIsRefusedAndChangesNothing() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let before = try alice.store.status()

        await #expect(throws: E2EEError.unknownMembers(channel: channel)) {
            _ = try await alice.engine.prepareMessage(text: "to nobody", channel: channel, participants: [])
        }
        // Naming only oneself is naming nobody else.
        await #expect(throws: E2EEError.unknownMembers(channel: channel)) {
            _ = try await alice.engine.prepareMessage(text: "to me", channel: channel, participants: [alice.user])
        }
        #expect(try alice.store.status() == before)
        #expect(try alice.store.pendingSends().isEmpty)
        #expect(try await alice.engine.channelMembers(channel).isEmpty)
    }

    @Test func membersAreLearnedFromOpeningSendingAndReceiving() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("a", server: server, in: directory)
        let bob = try await makeDevice("b", server: server, in: directory)
        let carol = try await makeDevice("c", server: server, in: directory)
        let group = await server.createChannel([alice.user, bob.user, carol.user])

        // Alice opened the group naming Bob and Carol: her first send needs no participants.
        try await alice.engine.rememberChannel(group, members: [bob.user, carol.user])
        try await alice.send("hello both", channel: group, to: [])
        #expect(Set(try await alice.engine.channelMembers(group)) == [alice.user, bob.user, carol.user])

        // Bob and Carol learn only Alice from her message (the channel's first other author; wraps for other
        // devices never reach them), so Carol names Bob once. Carol's message makes her a pending member on Bob's
        // side (reported once, never wrapped for) until Bob confirms her; then he needs to name nobody.
        #expect(bodies(await bob.pump()) == ["hello both"])
        #expect(Set(try await bob.engine.channelMembers(group)) == [alice.user])
        #expect(bodies(await carol.pump()) == ["hello both"])
        try await carol.send("hi all", channel: group, to: [bob.user])
        let events = await bob.pump()
        #expect(bodies(events) == ["hi all"])
        #expect(events.contains(.memberAdded(channel: group, user: carol.user)))
        #expect(Set(try await bob.engine.channelMembers(group)) == [alice.user])
        #expect(try await bob.engine.pendingMembers(of: group) == [carol.user])
        try await bob.engine.confirmMember(carol.user, of: group)
        #expect(Set(try await bob.engine.channelMembers(group)) == [alice.user, carol.user])
        try await bob.send("hi from bob", channel: group, to: [])
        #expect(bodies(await alice.pump()) == ["hello both", "hi all", "hi from bob"])
        #expect(bodies(await carol.pump()).contains("hi from bob"))

        // Remembering a member twice keeps one row.
        try await alice.engine.rememberChannel(group, members: [bob.user, bob.user])
        #expect(try await alice.engine.channelMembers(group).count == 3)
    }
}
