import Foundation
import Testing
import UncordTestSupport

/// Issue 14, item 5: against a development server that reproduces the published server's blocking defects
/// (`--published-defects`), the CLI turns what it sees into one clear diagnosis: a registration answered 500 is one
/// `error:` line naming Docs/UNCORD_SERVER.md, and messages that keep arriving without this device's key make
/// `listen` print one `server_diagnosis` event beside each `undecryptable`.
@Suite(.serialized)
struct PublishedDefectsNetworkTests {
    @Test func registrationAndMissingKeysAreDiagnosed() async throws {
        let (cluster, alice, bob, channel) = try await Cluster.aliceAndBob()
        // One message each way while the server still works: each side knows the other's devices and sessions.
        let listener = try await cluster.listen(bob)
        try await cluster.waitForMessages(
            [try await cluster.send(alice, "before", channel: channel)], from: listener, bob)
        listener.terminate()
        _ = try await cluster.send(bob, "before too", channel: channel)

        try await cluster.restartServer(options: ["--published-defects"])
        let carol = Cluster.Device(name: "carol", user: UUID().uuidString.lowercased())
        try await cluster.succeed(carol, ["init", "--user", carol.user, "--prekeys", "5"])
        let refused = try await cluster.keys(carol, ["register"])
        #expect(refused.status == 1)
        let lines = refused.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(refused.standardError)")
        #expect(lines.last?.hasPrefix("error: this server cannot register devices: see Docs/UNCORD_SERVER.md") == true)

        let listening = try await cluster.listen(bob)
        var sent: [String] = []
        for index in 0..<4 { sent.append(try await cluster.send(alice, "lost #\(index)", channel: channel)) }
        try await listening.waitUntil(timeout: .seconds(90), "bob to diagnose the missing keys") { lines in
            lines.contains { $0.contains(#""event":"server_diagnosis""#) }
                && Cluster.events(in: lines).filter { $0 == "undecryptable" }.count >= sent.count
        }
        listening.terminate()
        let events = Cluster.events(in: listening.lines)
        #expect(events.filter { $0 == "server_diagnosis" }.count == 1)
        #expect(Cluster.messages(in: listening.lines).isEmpty)
        let diagnosis = try #require(listening.lines.first { $0.contains(#""event":"server_diagnosis""#) })
        #expect(diagnosis.contains("message_keys_not_delivered") && diagnosis.contains("Docs/UNCORD_SERVER.md"))
    }
}
