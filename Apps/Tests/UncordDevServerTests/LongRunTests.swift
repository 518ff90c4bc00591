import Foundation
import Testing
import UncordTestSupport

/// Issue 14, item 7: a long session under the real server's limits loses nothing. Two users, each with a listening
/// device and a sending device (linked), signed in with `uncord-keys login` — no `--token` — over a development server
/// whose access tokens last 20 seconds and which allows 60 requests a minute, for more than two minutes: tokens expire
/// several times, requests are answered 429 and waited out, and every message reaches both listeners exactly once.
@Suite(.serialized)
struct LongRunTests {
    /// One message a sender sent: its id, its text and what the command logged.
    struct Sent: Sendable {
        let id: String
        let body: String
        let log: String
    }

    /// How long the senders keep sending.
    static let sendingFor: Duration = .seconds(125)
    /// Messages each sender sends, spread over ``sendingFor``.
    static let messagesPerSender = 20

    @Test(.timeLimit(.minutes(10)))
    func expiringTokensAndTheRateLimitLoseNothing() async throws {
        let cluster = try Cluster()
        let alice = Cluster.Device(name: "alice-listen", user: UUID().uuidString.lowercased())
        let aliceSender = Cluster.Device(name: "alice-send", user: alice.user)
        let bob = Cluster.Device(name: "bob-listen", user: UUID().uuidString.lowercased())
        let bobSender = Cluster.Device(name: "bob-send", user: bob.user)
        let devices = [alice, aliceSender, bob, bobSender]

        // Set up quickly, with development tokens and no limit; then restart the server as the real one behaves.
        try await cluster.startServer()
        try await cluster.create(devices)
        let channel = try await cluster.succeed(aliceSender, ["dm", "open", bob.user])
        try await cluster.restartServer(options: ["--access-token-lifetime", "20", "--rate-limit", "60"])
        let password = cluster.scratch.path("account-password")
        try Data("any password".utf8).write(to: URL(fileURLWithPath: password))
        cluster.signedIn = Set(devices)
        cluster.extraEnvironment = ["UNCORD_LOG_LEVEL": "info"]
        for device in devices {
            try await cluster.succeed(device, ["login", "--email", "\(device.user)@dev", "--password-file", password])
        }

        let listeners = try await [cluster.listen(alice, seconds: 420), cluster.listen(bob, seconds: 420)]
        let started = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: [Sent].self) { group in
            for (sender, peer) in [(aliceSender, bob), (bobSender, alice)] {
                group.addTask {
                    var sent: [Sent] = []
                    let gap = Self.sendingFor / Self.messagesPerSender
                    for index in 0..<Self.messagesPerSender {
                        let outcome = try await cluster.keys(
                            sender, ["send", "--channel", channel, "--to", peer.user, "--text", "\(sender) #\(index)"])
                        try #require(outcome.status == 0, "\(sender) #\(index): \(outcome.standardError)")
                        sent.append(
                            Sent(
                                id: outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines),
                                body: "\(sender) #\(index)", log: outcome.standardError))
                        try await Task.sleep(for: gap)
                    }
                    return sent
                }
            }
            var all: [Sent] = []
            for try await sent in group { all += sent }
            return all
        }
        let ids = outcomes.map(\.id)
        #expect(ids.count == 2 * Self.messagesPerSender)
        #expect(ContinuousClock.now - started >= .seconds(120))
        for (listener, device) in zip(listeners, [alice, bob]) {
            try await listener.waitUntil(timeout: .seconds(240), "\(device) to print every message") { lines in
                Set(ids).isSubset(of: Set(Cluster.messages(in: lines).map(\.messageID)))
            }
        }
        for listener in listeners { listener.terminate() }

        // Exactly once, with the right body, at both listeners, and nothing undecryptable.
        for (listener, device) in zip(listeners, [alice, bob]) {
            let printed = Cluster.messages(in: listener.lines)
            for message in outcomes {
                let copies = printed.filter { $0.messageID == message.id }
                #expect(copies.count == 1, "\(device) printed \(message.id) \(copies.count) times")
                #expect(copies.allSatisfy { $0.body == message.body }, "\(device): \(message.id)")
            }
            #expect(!listener.lines.contains { $0.contains(#""event":"undecryptable""#) }, "\(device)")
        }

        // The limits were really met: tokens were refreshed several times and requests waited out a 429.
        let logs = outcomes.map(\.log).joined() + listeners.map(\.standardError).joined()
        let refreshes = logs.components(separatedBy: "access token refreshed").count - 1
        let waits = logs.components(separatedBy: "rate limited; waiting").count - 1
        #expect(refreshes >= 4, "access tokens refreshed \(refreshes) times")
        #expect(waits >= 1, "no request was answered 429")
        print(
            "long run: \(ids.count) messages in \(ContinuousClock.now - started), \(refreshes) token refreshes, "
                + "\(waits) waits after 429")
    }
}
