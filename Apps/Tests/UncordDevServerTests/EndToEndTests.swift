import Foundation
import Testing
import UncordDevServer
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 6, item 5: end to end over loopback, in several processes — `uncord-devserver`, and one `uncord-keys`
/// process per step of each device (`send`, or a long-running `listen --json`), each device with its own store.
///
/// Serialized: every store open derives its key with Argon2id's moderate limits (256 MiB).
@Suite(.serialized)
struct EndToEndTests {
    static let alice = "e2e00000-0000-4000-8000-00000000a11c"
    static let bob = "e2e00000-0000-4000-8000-000000000b0b"
    static let carol = "e2e00000-0000-4000-8000-0000000ca201"

    @Test func aGroupOfThreeUsersOnSixDevicesEachGetsEveryMessage() async throws {
        let cluster = try Cluster()
        try await cluster.startServer()
        let a1 = Cluster.Device(name: "alice-laptop", user: Self.alice)
        let a2 = Cluster.Device(name: "alice-phone", user: Self.alice)
        let a3 = Cluster.Device(name: "alice-tablet", user: Self.alice)
        let b1 = Cluster.Device(name: "bob-laptop", user: Self.bob)
        let b2 = Cluster.Device(name: "bob-phone", user: Self.bob)
        let c1 = Cluster.Device(name: "carol-phone", user: Self.carol)
        let devices = [a1, a2, a3, b1, b2, c1]
        try await cluster.create(devices)

        let group = try await cluster.succeed(a1, ["dm", "open", Self.bob, Self.carol, "--name", "weekend"])
        try #require(UUID(uuidString: group) != nil, "dm open printed \(group)")

        // Alice's phone, Bob's laptop and Carol are online; Alice's laptop writes (it opened the group, so it knows
        // the members and names nobody).
        var online: [Cluster.Device: Subprocess] = [:]
        for device in [a2, b1, c1] { online[device] = try await cluster.listen(device) }
        let first = try await cluster.send(a1, "hello from alice's laptop", channel: group)
        for (device, listener) in online { try await cluster.waitForMessages([first], from: listener, device) }
        for listener in online.values { listener.terminate() }

        // Bob and Carol each learned Alice from her message; each names the one other member once.
        let second = try await cluster.send(b1, "bob here", channel: group, to: [Self.carol])
        let third = try await cluster.send(c1, "carol here", channel: group, to: [Self.bob])
        // Alice's phone has seen only her laptop's message, so it names Bob and Carol.
        let fourth = try await cluster.send(a2, "alice's phone too", channel: group, to: [Self.bob, Self.carol])
        let sent = [
            first: ("hello from alice's laptop", Self.alice), second: ("bob here", Self.bob),
            third: ("carol here", Self.carol), fourth: ("alice's phone too", Self.alice),
        ]

        // Every device comes online (Alice's tablet and Bob's phone for the first time) and catches up on what it
        // missed; together with what each printed before or sent itself, that is every message.
        var printed: [Cluster.Device: [Cluster.Printed]] = [:]
        for (device, listener) in online { printed[device] = Cluster.messages(in: listener.lines) }
        let sentBy: [Cluster.Device: Set<String>] = [a1: [first], b1: [second], c1: [third], a2: [fourth]]
        for device in devices {
            let listener = try await cluster.listen(device)
            let missing = Set(sent.keys).subtracting(sentBy[device] ?? []).subtracting(
                (printed[device] ?? []).map(\.messageID))
            try await cluster.waitForMessages(Array(missing), from: listener, device)
            listener.terminate()
            printed[device, default: []] += Cluster.messages(in: listener.lines)
        }
        for device in devices {
            let lines = printed[device] ?? []
            let ids = lines.map(\.messageID)
            #expect(Set(ids).count == ids.count, "\(device) printed a message twice: \(ids)")
            for line in lines {
                let expected = try #require(sent[line.messageID], "\(device) printed an unknown message")
                #expect(line.body == expected.0)
                #expect(line.authorID == expected.1)
                #expect(line.channelID == group)
            }
        }

        // Alice's tablet (linked before the group existed) learned the group's first other author, Bob, from the
        // messages it caught up on; Carol, who wrote later, waits as a pending member (issue 13: the server cannot
        // add readers to a group by posting as them) until the tablet names her once.
        let fifth = try await cluster.send(a3, "the tablet knows everyone now", channel: group, to: [Self.carol])
        for device in [b2, c1] {
            let listener = try await cluster.listen(device)
            try await cluster.waitForMessages([fifth], from: listener, device)
            listener.terminate()
        }

        // Every store holds all four, decrypted, with their authors.
        for device in devices {
            let store = try cluster.openStore(device)
            for (id, expected) in sent {
                let messageID = try #require(UUID(uuidString: id))
                let message = try #require(try store.message(id: messageID), "\(device)")
                #expect(message.payload.body == expected.0, "\(device)")
                #expect(message.sender.user.uuidString.lowercased() == expected.1)
            }
        }
    }

    @Test func aListenerKilledMidStreamLosesNothingAfterItsRestart() async throws {
        let cluster = try Cluster()
        try await cluster.startServer()
        let alice = Cluster.Device(name: "alice", user: Self.alice)
        let bob = Cluster.Device(name: "bob", user: Self.bob)
        try await cluster.create([alice, bob])
        let channel = try await cluster.succeed(alice, ["dm", "open", Self.bob])

        // Alice sends a stream of messages, one process each. Bob's listener is killed with SIGKILL once it has
        // printed three (more may be in flight), stays down for three more, and is back for the last two.
        let count = 10
        let texts = (1...count).map { "message \($0) of \(count)" }
        let first = try await cluster.listen(bob)
        let opening = Task {
            var ids: [String] = []
            for text in texts[0..<5] { ids.append(try await cluster.send(alice, text, channel: channel)) }
            return ids
        }
        try await first.waitUntil(timeout: .seconds(90), "three messages") { Cluster.messages(in: $0).count >= 3 }
        first.kill()
        let beforeKill = Cluster.messages(in: first.lines)
        var ids = try await opening.value
        for text in texts[5..<8] { ids.append(try await cluster.send(alice, text, channel: channel)) }
        let second = try await cluster.listen(bob)
        for text in texts[8...] { ids.append(try await cluster.send(alice, text, channel: channel)) }
        let afterKill = Set(ids).subtracting(beforeKill.map(\.messageID))
        try await cluster.waitForMessages(Array(afterKill), from: second, bob)
        second.terminate()

        // Each message printed exactly once over the two runs, in the stream's order within each run.
        let printed = beforeKill + Cluster.messages(in: second.lines)
        #expect(printed.map(\.messageID).sorted() == ids.sorted(), "printed \(printed.map(\.body))")
        for line in printed {
            let index = try #require(ids.firstIndex(of: line.messageID))
            #expect(line.body == texts[index])
        }
        for run in [beforeKill, Cluster.messages(in: second.lines)] {
            let order = run.compactMap { ids.firstIndex(of: $0.messageID) }
            #expect(order == order.sorted(), "a run printed out of order: \(order)")
        }
        // Bob's store holds every message, and a reply still goes through the session.
        do {
            let store = try cluster.openStore(bob)
            for (id, text) in zip(ids, texts) {
                let messageID = try #require(UUID(uuidString: id))
                #expect(try store.message(id: messageID)?.payload.body == text)
            }
        }
        let reply = try await cluster.send(bob, "got all \(count)", channel: channel)
        let listener = try await cluster.listen(alice)
        try await cluster.waitForMessages([reply], from: listener, alice)
    }

    @Test func aCutConnectionResumesAndARestartedServerKeepsEveryKey() async throws {
        let cluster = try Cluster()
        try await cluster.startServer()
        let alice = Cluster.Device(name: "alice", user: Self.alice)
        let bob = Cluster.Device(name: "bob", user: Self.bob)
        let carol = Cluster.Device(name: "carol", user: Self.carol)
        try await cluster.create([alice, bob, carol])
        let channel = try await cluster.succeed(alice, ["dm", "open", Self.bob])
        let carolsChannel = try await cluster.succeed(carol, ["dm", "open", Self.bob])

        // Bob's listener reaches the server through a relay that can cut the network under it.
        let relay = try await LoopbackRelay.start(towards: "127.0.0.1", port: cluster.port)
        let relayURL = "http://127.0.0.1:\(relay.port)"
        let listener = try await cluster.listen(bob, server: relayURL)
        let m1 = try await cluster.send(alice, "before the cut", channel: channel)
        try await cluster.waitForMessages([m1], from: listener, bob)

        await relay.cut()
        let m2 = try await cluster.send(alice, "during the cut, one", channel: channel)
        let m3 = try await cluster.send(alice, "during the cut, two", channel: channel)
        try await Task.sleep(for: .seconds(1))
        try await relay.restore()
        try await cluster.waitForMessages([m2, m3], from: listener, bob)
        // The gateway session was resumed with the last sequence number, not identified afresh. RESUMED follows the
        // replayed messages, so it may be printed just after them: wait for it rather than race it.
        try await listener.waitUntil(timeout: .seconds(30), "\(bob) to print resumed") { lines in
            Cluster.events(in: lines).contains("resumed")
        }
        #expect(Cluster.events(in: listener.lines).filter { $0 == "ready" }.count == 1)

        // What the server holds for Bob before the restart.
        let devicesBefore = try await cluster.get("/users/@me/devices", as: Self.bob) as? [[String: Any]]
        let bobDevice = try #require(devicesBefore?.first?["device_id"] as? String)
        let countPath = "/users/@me/devices/\(bobDevice)/one-time-pre-keys/count"
        let countBefore = try await cluster.get(countPath, as: Self.bob) as? [String: Any]

        // The server is killed and started again on the same port with the same data: Bob's listener cannot
        // resume a session the new process never had, so it identifies again and catches up.
        try await cluster.restartServer()
        let devicesAfter = try await cluster.get("/users/@me/devices", as: Self.bob) as? [[String: Any]]
        let countAfter = try await cluster.get(countPath, as: Self.bob) as? [String: Any]
        #expect(
            devicesAfter?.compactMap { $0["identity_key"] as? String }
                == devicesBefore?.compactMap {
                    $0["identity_key"] as? String
                })
        #expect(devicesAfter?.count == 1)
        #expect(countAfter?["count"] as? Int == countBefore?["count"] as? Int)
        try await listener.waitUntil(timeout: .seconds(60), "a second ready") { lines in
            Cluster.events(in: lines).filter { $0 == "ready" }.count == 2
        }

        // Alice's session and Carol's first message (a bundle fetched from the restarted server) both arrive,
        // with no trust warning anywhere: every key is the one stored before.
        let m4 = try await cluster.send(alice, "after the restart", channel: channel)
        let carolSend = try await cluster.keys(
            carol, ["send", "--channel", carolsChannel, "--text", "hi bob, carol here"])
        #expect(carolSend.status == 0, "\(carolSend.standardError)")
        #expect(!carolSend.standardError.contains("warning"), "\(carolSend.standardError)")
        let m5 = carolSend.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        try await cluster.waitForMessages([m4, m5], from: listener, bob)
        listener.terminate()
        await relay.close()
        #expect(!Cluster.events(in: listener.lines).contains("trust_warning"))
        let printed = Cluster.messages(in: listener.lines).map(\.messageID)
        #expect(printed.sorted() == [m1, m2, m3, m4, m5].sorted(), "\(listener.lines)")
    }
}
