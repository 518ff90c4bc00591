import Foundation
import Testing
import UncordDevServer
import UncordProtocol

@Suite("Development server")
struct DevServerTests {
    @Test("registration, bundle fetch consumes one OPK, KEY_BUNDLE_LOW reaches the owner at ≤ 10")
    func bundleFetch() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let alice = UUID()
        let bob = UUID()
        let device = try await server.registerDevice(user: bob, preKeys: 12)
        let devices = try await server.get([Device].self, "/users/@me/devices", user: bob)
        #expect(devices.map(\.deviceID) == [device])

        let token = "dev:\(bob.uuidString)"
        try await server.gateway { gateway in
            let hello = try #require(try await gateway.next())
            #expect(hello.op == .hello)
            #expect(try hello.decodeData(as: Hello.self).heartbeatInterval == .seconds(60))
            try await gateway.send(#"{"op":2,"d":{"token":"\#(token)"}}"#)
            let ready = try #require(try await gateway.next())
            #expect(ready.type == .ready && ready.sequence == 1)
            #expect(try ready.decodeData(as: Ready.self).userID == bob)

            let first = try await server.get(UserKeyBundle.self, "/users/\(bob.uuidString)/keys", user: alice)
            #expect(first.devices.first?.oneTimePreKey?.keyID == 1)
            let second = try await server.get(UserKeyBundle.self, "/users/\(bob.uuidString)/keys", user: alice)
            #expect(second.devices.first?.oneTimePreKey?.keyID == 2)
            let low = try #require(try await gateway.next())
            #expect(low.type == .keyBundleLow && low.sequence == 2)
            #expect(try low.decodeData(as: KeyBundleLow.self) == KeyBundleLow(deviceID: device, remaining: 10))
            try await gateway.send(#"{"op":1}"#)
            #expect(try await gateway.next()?.op == .heartbeatAck)
        }
        let count = try await server.get(
            OneTimePreKeyCount.self, "/users/@me/devices/\(device.uuidString)/one-time-pre-keys/count", user: bob)
        #expect(count.count == 10)
        await server.stop()
    }

    @Test("refusals answer the error envelope with their code")
    func errors() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let user = UUID()
        try await server.expectError(401, .unauthorised, "GET", "/users/@me/devices", user: nil)
        let shortKey = Array(#"{"device_id":"\#(UUID().uuidString)","identity_key":"AAAA"}"#.utf8)
        try await server.expectError(400, .invalidKeyMaterial, "POST", "/users/@me/devices", user: user, body: shortKey)
        try await server.expectError(404, .keyBundleIncomplete, "GET", "/users/\(user.uuidString)/keys", user: user)
        try await server.expectError(
            404, .unknownDevice, "GET", "/users/@me/devices/\(UUID().uuidString)/one-time-pre-keys/count", user: user)
        var devices: [UUID] = []
        for _ in 0..<5 { devices.append(try await server.registerDevice(user: user)) }
        let sixth = try WireJSON.encode(RegisterDeviceRequest(deviceID: UUID(), identityKey: RunningServer.bytes(32)))
        try await server.expectError(409, .maxDevicesReached, "POST", "/users/@me/devices", user: user, body: sixth)

        let path = "/users/@me/devices/\(devices[0].uuidString)/one-time-pre-keys"
        let big = (1...101).map {
            #"{"key_id":\#($0),"public_key":"\#(Data(RunningServer.bytes(32)).base64EncodedString().replacingOccurrences(of: "=", with: ""))"}"#
        }
        let tooMany = Array(#"{"pre_keys":[\#(big.joined(separator: ","))]}"#.utf8)
        try await server.expectError(400, .opkBatchTooLarge, "POST", path, user: user, body: tooMany)
        let repeated = [OneTimePreKey(keyID: 7, publicKey: RunningServer.bytes(32))]
        let first = try await server.call(
            "POST", path, user: user, body: try WireJSON.encode(UploadOneTimePreKeysRequest(preKeys: repeated)))
        #expect(first.status == 204)
        let batch = UploadOneTimePreKeysRequest(preKeys: [
            OneTimePreKey(keyID: 8, publicKey: RunningServer.bytes(32)), repeated[0],
        ])
        try await server.expectError(
            409, .duplicateKeyID, "POST", path, user: user, body: try WireJSON.encode(batch))
        let count = try await server.get(OneTimePreKeyCount.self, path + "/count", user: user)
        #expect(count.count == 1)
        await server.stop()
    }

    @Test(
        "messages: DM_MESSAGE_CREATE without keys, the list with X-Device-ID, Resume replays what was sent before the drop, restart keeps data"
    )
    func messagesResumeAndRestart() async throws {
        let directory = RunningServer.temporaryDirectory()
        var server = try await RunningServer.start(directory: directory)
        let alice = UUID()
        let bob = UUID()
        let bobPhone = try await server.registerDevice(user: bob, preKeys: 3)
        let bobLaptop = try await server.registerDevice(user: bob)
        let channel = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
            CreateDMChannelRequest.direct(recipientID: bob))
        let again = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: bob,
            CreateDMChannelRequest.direct(recipientID: alice))
        #expect(again.id == channel.id)

        // Bob identifies and gets a message while connected, then drops: on Resume from READY's `s`, the message
        // is replayed; what was sent after the server noticed the drop is not.
        let session = SessionBox()
        let bobToken = "dev:\(bob.uuidString)"
        let early = SendMessageRequest(
            content: "ZWFybHk", messageKeys: [EncryptedMessageKey(recipient: .device(bobPhone), encryptedKey: [9])])
        let first = server
        try await server.gateway { gateway in
            _ = try await gateway.next()
            try await gateway.send(#"{"op":2,"d":{"token":"\#(bobToken)"}}"#)
            let ready = try #require(try await gateway.next())
            await session.set(try ready.decodeData(as: Ready.self).sessionID, ready.sequence ?? 0)
            _ = try await first.send(
                Message.self, 201, "POST", "/dm/\(channel.id.uuidString)/messages", user: alice, early)
            #expect(try await gateway.next()?.type == .dmMessageCreate)
        }
        try await Task.sleep(for: .milliseconds(300))  // the server notices the drop
        let (sessionID, seq) = await session.get()
        let long = String(repeating: "x", count: 4001)
        try await server.expectError(
            400, .validationError, "POST", "/dm/\(channel.id.uuidString)/messages", user: alice,
            body: try WireJSON.encode(SendMessageRequest(content: long, messageKeys: [])))
        let keys = [
            EncryptedMessageKey(recipient: .device(bobPhone), encryptedKey: [1, 2, 3]),
            EncryptedMessageKey(recipient: .device(bobLaptop), encryptedKey: [4, 5, 6]),
        ]
        let sent = try await server.send(
            Message.self, 201, "POST", "/dm/\(channel.id.uuidString)/messages", user: alice,
            SendMessageRequest(content: "  c2VjcmV0  ", messageKeys: keys))
        #expect(sent.content == "c2VjcmV0" && sent.messageKeys?.count == 2)

        let listed = try await server.get(
            [Message].self, "/dm/\(channel.id.uuidString)/messages", user: bob,
            headers: ["X-Device-ID": bobLaptop.uuidString])
        #expect(listed.map(\.id).first == sent.id && listed.count == 2)
        #expect(listed.first?.messageKeys == [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: [4, 5, 6])])

        try await server.gateway { gateway in
            _ = try await gateway.next()
            try await gateway.send(
                #"{"op":6,"d":{"token":"\#(bobToken)","session_id":"\#(sessionID)","seq":\#(seq)}}"#)
            let replayed = try #require(try await gateway.next())
            #expect(replayed.type == .dmMessageCreate && replayed.sequence == seq + 1)
            let message = try replayed.decodeData(as: Message.self)
            #expect(message.content == early.content && message.messageKeys == nil)
            #expect(try await gateway.next()?.type == .resumed)  // `sent`, posted after the drop, never comes
        }
        try await server.gateway { gateway in
            _ = try await gateway.next()
            try await gateway.send(#"{"op":6,"d":{"token":"\#(bobToken)","session_id":"nope","seq":0}}"#)
            let invalid = try #require(try await gateway.next())
            #expect(invalid.op == .invalidSession && invalid.data?.text == "false")
        }
        let unknownOpcode = try await server.gateway { gateway in
            _ = try await gateway.next()
            try await gateway.send(#"{"op":42}"#)
            _ = try await gateway.next()
        }
        #expect(unknownOpcode == 4001)

        // Restart on the same data folder: devices, keys, channels and messages are kept.
        await server.stop()
        server = try await RunningServer.start(directory: directory)
        let devices = try await server.get([Device].self, "/users/@me/devices", user: bob)
        #expect(Set(devices.map(\.deviceID)) == [bobPhone, bobLaptop])
        let bundle = try await server.get(UserKeyBundle.self, "/users/\(bob.uuidString)/keys", user: alice)
        #expect(bundle.devices.first { $0.deviceID == bobPhone }?.oneTimePreKey?.keyID == 1)
        let kept = try await server.get(
            [Message].self, "/dm/\(channel.id.uuidString)/messages", user: bob,
            headers: ["X-Device-ID": bobPhone.uuidString])
        #expect(kept.first?.messageKeys?.first?.encryptedKey == [1, 2, 3])
        #expect(kept.last?.messageKeys?.first?.encryptedKey == [9])
        await server.stop()
    }

    @Test("a missed heartbeat drops the connection with no close frame; binding a non-loopback host is refused")
    func heartbeatTimeoutAndLoopback() async throws {
        let server = try await RunningServer.start(
            directory: RunningServer.temporaryDirectory(), heartbeat: .milliseconds(300))
        defer { server.task.cancel() }
        let code = try await server.gateway { gateway in
            while try await gateway.next() != nil {}
        }
        #expect(code == nil)
        await server.stop()
        let refused = DevServerConfiguration(host: "0.0.0.0", dataDirectory: "/nonexistent")
        #expect(throws: DevServerConfigurationError.self) { try refused.validate() }
    }
}

/// Carries a session id and sequence out of a gateway script.
actor SessionBox {
    private var value = ("", Int64(0))
    func set(_ id: String, _ sequence: Int64) { value = (id, sequence) }
    func get() -> (String, Int64) { value }
}
