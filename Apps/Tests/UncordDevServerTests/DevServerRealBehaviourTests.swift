import Foundation
import Testing
import UncordDevServer
import UncordProtocol

/// The development server behaves as the published server does (Docs/UNCORD_SERVER.md), where that behaviour is
/// not a defect: the gateway's limits and resume rules, and the HTTP answers.
@Suite struct DevServerRealBehaviourTests {
    /// Sends Hello's answer: Identify as `user`; returns READY.
    static func identify(_ gateway: GatewayScript, as user: UUID) async throws -> Frame {
        #expect(try await gateway.next()?.op == .hello)
        try await gateway.send(#"{"op":2,"d":{"token":"dev:\#(user.uuidString)"}}"#)
        let ready = try #require(try await gateway.next())
        #expect(ready.type == .ready)
        return ready
    }

    static func resume(_ user: UUID, session: String, sequence: Int64) -> String {
        #"{"op":6,"d":{"token":"dev:\#(user.uuidString)","session_id":"\#(session)","seq":\#(sequence)}}"#
    }

    // MARK: Gateway

    @Test func moreMessagesThanTheGatewayLimitCloseWith4008() async throws {
        let server = try await RunningServer.start(
            directory: RunningServer.temporaryDirectory(), gatewayRateLimit: 5)
        defer { server.task.cancel() }
        let user = UUID()
        let code = try await server.gateway { gateway in
            _ = try await Self.identify(gateway, as: user)  // Identify is message 1
            for _ in 0..<4 {
                try await gateway.send(#"{"op":1}"#)
                #expect(try await gateway.next()?.op == .heartbeatAck)
            }
            try await gateway.send(#"{"op":1}"#)  // message 6
            while try await gateway.next() != nil {}
        }
        #expect(code == 4008)
        await server.stop()
    }

    @Test func aConnectionThatDoesNotIdentifyInTimeIsClosedWith4003() async throws {
        let server = try await RunningServer.start(
            directory: RunningServer.temporaryDirectory(), identifyTimeout: .milliseconds(300))
        defer { server.task.cancel() }
        let code = try await server.gateway { gateway in
            while try await gateway.next() != nil {}
        }
        #expect(code == 4003)
        await server.stop()
    }

    @Test func theGatewayDefaultsAreTheRealServersAndAreChecked() throws {
        let configuration = DevServerConfiguration(dataDirectory: "/tmp/x")
        #expect(configuration.heartbeatInterval == .seconds(20) && configuration.identifyTimeout == .seconds(30))
        #expect(configuration.gatewayRateLimit == 120 && configuration.gatewayRateWindow == .seconds(60))
        #expect(!configuration.publishedDefects)
        #expect(throws: DevServerConfigurationError.invalidGatewayRateLimit(-1)) {
            try DevServerConfiguration(dataDirectory: "/tmp/x", gatewayRateLimit: -1).validate()
        }
    }

    @Test func aResumeBeyondTheSessionsSequenceGetsInvalidSessionAndNoClose() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let user = UUID()
        let session = SessionBox()
        try await server.gateway { gateway in
            let ready = try await Self.identify(gateway, as: user)
            await session.set(try ready.decodeData(as: Ready.self).sessionID, ready.sequence ?? 0)
        }
        try await Task.sleep(for: .milliseconds(300))  // the server notices the drop
        let (sessionID, sequence) = await session.get()
        let code = try await server.gateway { gateway in
            _ = try await gateway.next()
            try await gateway.send(Self.resume(user, session: sessionID, sequence: sequence + 5))
            let invalid = try #require(try await gateway.next())
            #expect(invalid.op == .invalidSession && invalid.data?.text == "false")
            try await gateway.send(#"{"op":1}"#)  // the connection is still open
            #expect(try await gateway.next()?.op == .heartbeatAck)
        }
        #expect(code != 4007)
        await server.stop()
    }

    @Test func aResumeOfASessionWhoseConnectionIsLiveGetsInvalidSession() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let alice = UUID()
        let bob = UUID()
        try await server.gateway { live in
            let ready = try await Self.identify(live, as: bob)
            let sessionID = try ready.decodeData(as: Ready.self).sessionID
            try await server.gateway { second in
                _ = try await second.next()
                try await second.send(Self.resume(bob, session: sessionID, sequence: 1))
                let invalid = try #require(try await second.next())
                #expect(invalid.op == .invalidSession && invalid.data?.text == "false")
            }
            // The live connection was not displaced: it still gets the session's dispatches.
            _ = try await server.send(
                DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
                CreateDMChannelRequest.direct(recipientID: bob))
            let created = try #require(try await live.next())
            #expect(created.type == .dmChannelCreate && created.sequence == 2)
        }
        await server.stop()
    }

    // MARK: HTTP

    @Test func dmMessageRoutesAnswerNotParticipant() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob, mallory) = (UUID(), UUID(), UUID())
        let channel = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
            CreateDMChannelRequest.direct(recipientID: bob))
        let body = try WireJSON.encode(SendMessageRequest(content: "aGk", messageKeys: []))
        for id in [channel.id, UUID()] {
            let path = "/dm/\(id.uuidString)/messages"
            try await server.expectError(403, .init(rawValue: "NOT_PARTICIPANT"), "GET", path, user: mallory)
            try await server.expectError(
                403, .init(rawValue: "NOT_PARTICIPANT"), "POST", path, user: mallory, body: body)
        }
        await server.stop()
    }

    @Test func creatingAnExistingDirectChannelAnswers201AndFiresTheEventAgain() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob) = (UUID(), UUID())
        let first = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
            CreateDMChannelRequest.direct(recipientID: bob))
        try await server.gateway { gateway in
            _ = try await Self.identify(gateway, as: bob)
            let again = try await server.send(
                DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
                CreateDMChannelRequest.direct(recipientID: bob))
            #expect(again.id == first.id)
            let event = try #require(try await gateway.next())
            #expect(event.type == .dmChannelCreate)
            #expect(try event.decodeData(as: DMChannel.self).id == first.id)
        }
        await server.stop()
    }

    @Test func deviceIdsAreUniquePerUserAndWrapsFollowTheParticipantsDevice() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob, carol) = (UUID(), UUID(), UUID())
        let shared = UUID()
        for user in [alice, bob] {
            let body = RegisterDeviceRequest(deviceID: shared, identityKey: RunningServer.bytes(32))
            _ = try await server.send(Device.self, 201, "POST", "/users/@me/devices", user: user, body)
        }
        let repeated = try WireJSON.encode(
            RegisterDeviceRequest(deviceID: shared, identityKey: RunningServer.bytes(32)))
        try await server.expectError(409, .duplicateKeyID, "POST", "/users/@me/devices", user: bob, body: repeated)

        // Carol writes to Bob with a wrap for `shared`: it is Bob's device's, not Alice's.
        let withBob = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: carol,
            CreateDMChannelRequest.direct(recipientID: bob))
        let withAlice = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: carol,
            CreateDMChannelRequest.direct(recipientID: alice))
        let wrap = [EncryptedMessageKey(recipient: .device(shared), encryptedKey: [7, 7])]
        for channel in [withBob, withAlice] {
            _ = try await server.send(
                Message.self, 201, "POST", "/dm/\(channel.id.uuidString)/messages", user: carol,
                SendMessageRequest(content: "aGk", messageKeys: channel.id == withBob.id ? wrap : []))
        }
        let bobs = try await server.get(
            [Message].self, "/dm/\(withBob.id.uuidString)/messages", user: bob,
            headers: ["X-Device-ID": shared.uuidString])
        #expect(bobs.first?.messageKeys == [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: [7, 7])])
        let alices = try await server.get(
            [Message].self, "/dm/\(withAlice.id.uuidString)/messages", user: alice,
            headers: ["X-Device-ID": shared.uuidString])
        #expect(alices.first?.messageKeys == [])
        // Deleting Alice's device leaves Bob's, with its wrap.
        #expect(try await server.call("DELETE", "/users/@me/devices/\(shared.uuidString)", user: alice).status == 204)
        #expect(try await server.get([Device].self, "/users/@me/devices", user: bob).map(\.deviceID) == [shared])
        let still = try await server.get(
            [Message].self, "/dm/\(withBob.id.uuidString)/messages", user: bob,
            headers: ["X-Device-ID": shared.uuidString])
        #expect(still.first?.messageKeys?.first?.encryptedKey == [7, 7])
        await server.stop()
    }

    @Test func paddedBase64IsRefused() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob) = (UUID(), UUID())
        let padded = Data(RunningServer.bytes(32)).base64EncodedString()  // 32 bytes: one '=' of padding
        #expect(padded.hasSuffix("="))
        let register = Array(#"{"device_id":"\#(UUID().uuidString)","identity_key":"\#(padded)"}"#.utf8)
        try await server.expectError(
            400, .invalidKeyMaterial, "POST", "/users/@me/devices", user: alice, body: register)
        #expect(try await server.get([Device].self, "/users/@me/devices", user: alice).isEmpty)

        let device = try await server.registerDevice(user: alice)
        let signature = Data(RunningServer.bytes(64)).base64EncodedString()  // 64 bytes: "=="
        let unpaddedKey = String(padded.dropLast())
        let spk = Array(#"{"key_id":2,"public_key":"\#(unpaddedKey)","signature":"\#(signature)"}"#.utf8)
        try await server.expectError(
            400, .invalidKeyMaterial, "PUT", "/users/@me/devices/\(device.uuidString)/signed-pre-key", user: alice,
            body: spk)
        let opks = Array(#"{"pre_keys":[{"key_id":1,"public_key":"\#(padded)"}]}"#.utf8)
        try await server.expectError(
            400, .invalidKeyMaterial, "POST", "/users/@me/devices/\(device.uuidString)/one-time-pre-keys",
            user: alice, body: opks)

        let channel = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
            CreateDMChannelRequest.direct(recipientID: bob))
        let send = Array(
            #"{"content":"aGk","message_keys":[{"device_id":"\#(device.uuidString)","encrypted_key":"AQ=="}]}"#.utf8)
        try await server.expectError(
            400, .invalidKeyMaterial, "POST", "/dm/\(channel.id.uuidString)/messages", user: alice, body: send)
        await server.stop()
    }

    @Test func theListResolvesXDeviceIDAmongTheCallersOwnDevices() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob) = (UUID(), UUID())
        let bobDevice = try await server.registerDevice(user: bob)
        let channel = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
            CreateDMChannelRequest.direct(recipientID: bob))
        _ = try await server.send(
            Message.self, 201, "POST", "/dm/\(channel.id.uuidString)/messages", user: alice,
            SendMessageRequest(
                content: "aGk", messageKeys: [EncryptedMessageKey(recipient: .device(bobDevice), encryptedKey: [1])]))
        // Alice asks with Bob's device id: no key, and no error.
        let listed = try await server.get(
            [Message].self, "/dm/\(channel.id.uuidString)/messages", user: alice,
            headers: ["X-Device-ID": bobDevice.uuidString])
        #expect(listed.count == 1 && listed.first?.messageKeys == [])
        await server.stop()
    }

    @Test func devicesWithoutASignedPreKeyGiveAnEmptyBundleList() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob) = (UUID(), UUID())
        try await server.expectError(404, .keyBundleIncomplete, "GET", "/users/\(bob.uuidString)/keys", user: alice)
        let body = RegisterDeviceRequest(deviceID: UUID(), identityKey: RunningServer.bytes(32))
        _ = try await server.send(Device.self, 201, "POST", "/users/@me/devices", user: bob, body)
        let bundle = try await server.get(UserKeyBundle.self, "/users/\(bob.uuidString)/keys", user: alice)
        #expect(bundle.userID == bob && bundle.devices.isEmpty)
        await server.stop()
    }

    @Test func replacingAnIdentityKeyKeepsThePreKeys() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let (alice, bob) = (UUID(), UUID())
        let device = try await server.registerDevice(user: bob, preKeys: 3)
        let newKey = RunningServer.bytes(32)
        let put = try await server.call(
            "PUT", "/users/@me/devices/\(device.uuidString)/identity-key", user: bob,
            body: try WireJSON.encode(UpdateIdentityKeyRequest(identityKey: newKey)))
        #expect(put.status == 204)
        let count = try await server.get(
            OneTimePreKeyCount.self, "/users/@me/devices/\(device.uuidString)/one-time-pre-keys/count", user: bob)
        #expect(count.count == 3)
        let bundle = try await server.get(UserKeyBundle.self, "/users/\(bob.uuidString)/keys", user: alice)
        let entry = try #require(bundle.devices.first)
        #expect(entry.identityKey == newKey && entry.signedPreKeyID == 1 && entry.oneTimePreKey?.keyID == 1)
        await server.stop()
    }

    @Test func aGroupHoldsAtMostTenParticipants() async throws {
        let server = try await RunningServer.start(directory: RunningServer.temporaryDirectory())
        defer { server.task.cancel() }
        let owner = UUID()
        let ten = (0..<10).map { _ in UUID() }
        try await server.expectError(
            409, .init(rawValue: "GROUP_DM_FULL"), "POST", "/users/@me/channels", user: owner,
            body: try WireJSON.encode(CreateDMChannelRequest.group(name: "club", recipients: ten)))
        _ = try await server.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: owner,
            CreateDMChannelRequest.group(name: "club", recipients: Array(ten.prefix(9))))
        await server.stop()
    }
}

/// `--published-defects`: the published server's blocking defects, reproduced (Docs/UNCORD_SERVER.md, section 3).
@Suite struct DevServerPublishedDefectsTests {
    @Test func everyRegistrationAnswers500AndRegistersNothing() async throws {
        let server = try await RunningServer.start(
            directory: RunningServer.temporaryDirectory(), publishedDefects: true)
        defer { server.task.cancel() }
        let user = UUID()
        let body = try WireJSON.encode(RegisterDeviceRequest(deviceID: UUID(), identityKey: RunningServer.bytes(32)))
        try await server.expectError(500, .internalError, "POST", "/users/@me/devices", user: user, body: body)
        #expect(try await server.get([Device].self, "/users/@me/devices", user: user).isEmpty)
        try await server.expectError(404, .keyBundleIncomplete, "GET", "/users/\(user.uuidString)/keys", user: user)
        await server.stop()
    }

    @Test func aSendIsStoredAndAnnouncedButItsKeysAreNot() async throws {
        // Devices registered before the defects are switched on (with them on, none can be).
        let directory = RunningServer.temporaryDirectory()
        let before = try await RunningServer.start(directory: directory)
        let (alice, bob) = (UUID(), UUID())
        let bobDevice = try await before.registerDevice(user: bob)
        let channel = try await before.send(
            DMChannel.self, 201, "POST", "/users/@me/channels", user: alice,
            CreateDMChannelRequest.direct(recipientID: bob))
        await before.stop()
        let server = try await RunningServer.start(directory: directory, publishedDefects: true)
        defer { server.task.cancel() }
        try await server.gateway { gateway in
            _ = try await DevServerRealBehaviourTests.identify(gateway, as: bob)
            let wrap = EncryptedMessageKey(recipient: .device(bobDevice), encryptedKey: [5, 5])
            let sent = try await server.send(
                Message.self, 201, "POST", "/dm/\(channel.id.uuidString)/messages", user: alice,
                SendMessageRequest(content: "aGk", messageKeys: [wrap]))
            let event = try #require(try await gateway.next())
            #expect(event.type == .dmMessageCreate)
            #expect(try event.decodeData(as: Message.self).id == sent.id)
        }
        let listed = try await server.get(
            [Message].self, "/dm/\(channel.id.uuidString)/messages", user: bob,
            headers: ["X-Device-ID": bobDevice.uuidString])
        #expect(listed.count == 1 && listed.first?.messageKeys == [])
        await server.stop()
    }
}
