import Foundation
import Testing
import UncordTestSupport

/// Issue 13, item 7, over loopback with one process per device: a device the user did not link never reads, on
/// either side of a conversation, and linking a device changes no safety number.
@Suite(.serialized)
struct LinkedDevicesNetworkTests {
    static let alice = "1d000000-0000-4000-8000-00000000a11c"
    static let bob = "1d000000-0000-4000-8000-000000000b0b"

    @Test func aDeviceTheServerAddsGetsNoWrapOnEitherSide() async throws {
        let cluster = try Cluster()
        try await cluster.startServer()
        let laptop = Cluster.Device(name: "alice-laptop", user: Self.alice)
        let phone = Cluster.Device(name: "bob-phone", user: Self.bob)
        let tablet = Cluster.Device(name: "bob-tablet", user: Self.bob)
        try await cluster.create([laptop, phone])
        let channel = try await cluster.succeed(laptop, ["dm", "open", Self.bob])
        _ = try await cluster.send(laptop, "before bob links his tablet", channel: channel)
        let before = try await safetyNumber(cluster, laptop, with: Self.bob)

        // Bob links his tablet from his phone; the server adds a third device for Bob on its own.
        try await cluster.link(tablet, from: phone)
        let unlinked = try await cluster.registerUnlinkedDevice(for: Self.bob)
        // Alice's laptop comes online (a new gateway session judges every list again before the next send), as a
        // client that sees the IDENTITY_KEY_CHANGED of both registrations would.
        try await cluster.listen(laptop).terminate()

        let sent = try Cluster.object(
            try await cluster.succeed(laptop, ["send", "--channel", channel, "--text", "for bob only", "--json"]))
        let id = try #require(sent["message_id"] as? String)
        let refused = try #require(sent["refused_devices"] as? [[String: Any]])
        #expect(
            refused.contains {
                $0["device_id"] as? String == unlinked && $0["reason"] as? String == "foreignIdentityKey"
            })
        #expect(try await keysListed(cluster, channel: channel, user: Self.bob, device: unlinked) == 0)
        for device in [phone, tablet] {
            let listener = try await cluster.listen(device)
            try await cluster.waitForMessages([id], from: listener, device)
            listener.terminate()
        }
        let shown = try Cluster.object(try await cluster.succeed(laptop, ["peers", "show", Self.bob, "--json"]))
        let devices = try #require(shown["devices"] as? [[String: Any]])
        #expect(devices.first { $0["device_id"] as? String == unlinked }?["state"] as? String == "refused")
        #expect(devices.filter { $0["state"] as? String == "authorized" }.count == 2)
        #expect(try await safetyNumber(cluster, laptop, with: Self.bob) == before)

        // The server adds a device to Alice's own account: her listener reports it, Bob's next message skips it.
        let mine = try await cluster.registerUnlinkedDevice(for: Self.alice)
        let listener = try await cluster.listen(laptop)
        try await listener.waitUntil(timeout: .seconds(60), "alice-laptop to report \(mine)") { lines in
            lines.contains { $0.contains(#""event":"device_refused""#) && $0.contains(mine) }
        }
        let reply = try await cluster.send(phone, "to alice's own devices only", channel: channel)
        try await cluster.waitForMessages([reply], from: listener, laptop)
        listener.terminate()
        #expect(try await keysListed(cluster, channel: channel, user: Self.alice, device: mine) == 0)
        #expect(try await safetyNumber(cluster, phone, with: Self.alice) == before)
    }

    /// The 60 digits `device` computes with `user`.
    private func safetyNumber(_ cluster: Cluster, _ device: Cluster.Device, with user: String) async throws -> String {
        let object = try Cluster.object(try await cluster.succeed(device, ["safety-number", user, "--json"]))
        return try #require(object["safety_number"] as? String)
    }

    /// How many of the channel's messages carry a key for `device`, as the server lists them to it.
    private func keysListed(_ cluster: Cluster, channel: String, user: String, device: String) async throws -> Int {
        let listed = try #require(
            try await cluster.get("/dm/\(channel)/messages?limit=100", as: user, device: device) as? [[String: Any]])
        return listed.filter { !(($0["message_keys"] as? [Any]) ?? []).isEmpty }.count
    }
}
