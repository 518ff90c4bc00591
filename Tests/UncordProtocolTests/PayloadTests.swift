import Foundation
import Testing
import UncordProtocol

/// Each payload decodes from a realistic sample and re-encodes. Samples in compact canonical form must come back
/// byte for byte.
@Suite("Payloads")
struct PayloadTests {
    /// Decodes `text`, checks `expected`, and checks that encoding gives `canonical` (default: `text` itself).
    func check<T: Codable & Equatable>(
        _ type: T.Type, _ text: String, equals expected: T, canonical: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let decoded = try WireJSON.decode(type, from: text)
        #expect(decoded == expected, sourceLocation: sourceLocation)
        let encoded = Fixtures.text(try WireJSON.encode(decoded))
        #expect(encoded == (canonical ?? text), sourceLocation: sourceLocation)
        #expect(try WireJSON.decode(type, from: encoded) == expected, sourceLocation: sourceLocation)
    }

    // MARK: - Gateway

    @Test func hello() throws {
        try check(Hello.self, #"{"heartbeat_interval":41250}"#, equals: Hello(heartbeatInterval: .milliseconds(41250)))
    }

    @Test func identify() throws {
        try check(
            Identify.self, #"{"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}"#,
            equals: Identify(token: "eyJhbGciOiJIUzI1NiJ9.e30.sig"))
        #expect(!"\(Identify(token: "secret"))".contains("secret"))
        #expect(!String(reflecting: Identify(token: "secret")).contains("secret"))
    }

    @Test func resume() throws {
        try check(
            Resume.self, #"{"token":"jwt","session_id":"sess-01","seq":1337}"#,
            equals: Resume(token: "jwt", sessionID: "sess-01", sequence: 1337))
        #expect(!"\(Resume(token: "secret", sessionID: "s", sequence: 1))".contains("secret"))
    }

    @Test func ready() throws {
        let text = """
            {"session_id":"abc123","user":{"id":"0B9F6A52-3C1E-4F7A-9D2B-6E8C1A4F5D30","username":"ana"},
             "server":{"name":"x"},"channels":[],"roles":[],"members":[]}
            """
        try check(
            Ready.self, text, equals: Ready(sessionID: "abc123", userID: Fixtures.userA),
            canonical: #"{"session_id":"abc123","user":{"id":"0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30"}}"#)
    }

    @Test func keyBundleLow() throws {
        try check(
            KeyBundleLow.self, #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","remaining":7}"#,
            equals: KeyBundleLow(deviceID: Fixtures.deviceA, remaining: 7))
    }

    @Test func identityKeyChanged() throws {
        let text =
            #"{"user_id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","#
            + #""device_id":"f0e1d2c3-b4a5-4697-8877-665544332211","identity_key":""#
            + Fixtures.keyBBase64 + #""}"#
        try check(
            IdentityKeyChanged.self, text,
            equals: IdentityKeyChanged(userID: Fixtures.userB, deviceID: Fixtures.deviceB, identityKey: Fixtures.keyB))
    }

    @Test func messageDelete() throws {
        try check(
            MessageDelete.self,
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"}"#,
            equals: MessageDelete(id: Fixtures.message, channelID: Fixtures.channel))
    }

    // MARK: - Messages and channels

    @Test("a listed DM message with this device's key, as the server writes it")
    func listedMessage() throws {
        let text = """
            {"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
             "author":{"id":"0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30","username":"ana","display_name":"Ana",
                       "avatar_key":null},
             "content":"AQID","attachments":[],"reactions":[ {"emoji":"👍","count":2} ],"reply_to_id":null,
             "pinned":false,"encrypted":true,
             "message_keys":[{"device_id":"","encrypted_key":"\(Fixtures.wrapBase64)"}],
             "edited_at":null,"created_at":"2025-03-01T12:34:56Z","thread_id":"ignored"}
            """
        let expected = Message(
            id: Fixtures.message, channelID: Fixtures.channel,
            author: Message.Author(id: Fixtures.userA, username: "ana", displayName: "Ana"), content: "AQID",
            attachments: try RawJSON(validating: "[]"),
            reactions: try RawJSON(validating: #"[ {"emoji":"👍","count":2} ]"#), encrypted: true,
            messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: Fixtures.wrap)],
            createdAt: try #require(Timestamp(rfc3339: "2025-03-01T12:34:56Z")))
        let canonical =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","#
            + #""author":{"id":"0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30","username":"ana","display_name":"Ana"},"#
            + #""content":"AQID","attachments":[],"reactions":[ {"emoji":"👍","count":2} ],"pinned":false,"#
            + #""encrypted":true,"message_keys":[{"device_id":"","encrypted_key":""# + Fixtures.wrapBase64 + #""}],"#
            + #""created_at":"2025-03-01T12:34:56Z"}"#
        try check(Message.self, text, equals: expected, canonical: canonical)
    }

    @Test("a dispatched DM message without keys, with a reply and an edit")
    func dispatchedMessage() throws {
        let text =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","#
            + #""author":{"id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","username":"bo"},"content":"BAUG","#
            + #""attachments":[],"reactions":[],"reply_to_id":"0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30","pinned":true,"#
            + #""encrypted":true,"edited_at":"2025-03-02T08:00:00.123456789+02:00","#
            + #""created_at":"2025-03-01T12:34:56Z"}"#
        let message = try WireJSON.decode(Message.self, from: text)
        #expect(message.messageKeys == nil)
        #expect(message.replyToID == Fixtures.userA)
        #expect(message.pinned)
        #expect(message.author.displayName == nil)
        #expect(message.editedAt?.text == "2025-03-02T08:00:00.123456789+02:00")
        #expect(Fixtures.text(try WireJSON.encode(message)) == text)
    }

    @Test("a message with attachments and reactions null or absent reads them as empty arrays")
    func messageLenientArrays() throws {
        let text =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","#
            + #""author":{"id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","username":"bo"},"content":"x","#
            + #""attachments":null,"encrypted":false,"created_at":"2025-03-01T12:34:56Z"}"#
        let message = try WireJSON.decode(Message.self, from: text)
        #expect(message.attachments == .emptyArray)
        #expect(message.reactions == .emptyArray)
        #expect(!message.pinned)
        #expect(!message.encrypted)
    }

    @Test func directChannel() throws {
        let text =
            #"{"id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","type":"dm","created_at":"2025-03-01T12:00:00Z","#
            + #""updated_at":"2025-03-01T12:00:00Z"}"#
        let stamp = try #require(Timestamp(rfc3339: "2025-03-01T12:00:00Z"))
        try check(
            DMChannel.self, text,
            equals: DMChannel(id: Fixtures.channel, kind: .direct, createdAt: stamp, updatedAt: stamp))
    }

    @Test func groupChannel() throws {
        let text =
            #"{"id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","type":"group_dm","name":"Trip","#
            + #""owner_id":"0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30","created_at":"2025-03-01T12:00:00Z","#
            + #""updated_at":"2025-03-04T09:30:00Z"}"#
        let channel = try WireJSON.decode(DMChannel.self, from: text)
        #expect(channel.kind == .group)
        #expect(channel.name == "Trip")
        #expect(channel.ownerID == Fixtures.userA)
        #expect(Fixtures.text(try WireJSON.encode(channel)) == text)
        let future = try WireJSON.decode(DMChannel.self, from: text.replacingOccurrences(of: "group_dm", with: "x"))
        #expect(future.kind.rawValue == "x")
    }

    // MARK: - Devices and keys

    @Test func device() throws {
        let text =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","#
            + #""label":"laptop","identity_key":""# + Fixtures.keyABase64 + #"","created_at":"2025-03-01T12:34:56Z"}"#
        try check(
            Device.self, text,
            equals: Device(
                id: Fixtures.message, deviceID: Fixtures.deviceA, label: "laptop", identityKey: Fixtures.keyA,
                createdAt: try #require(Timestamp(rfc3339: "2025-03-01T12:34:56Z"))))
    }

    @Test("a device list in the success envelope")
    func deviceList() throws {
        let text =
            #"{"data":[{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","#
            + #""device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","#
            + #""identity_key":""# + Fixtures.keyABase64Padded + #"","created_at":"2025-03-01T12:34:56Z"}]}"#
        let devices = try WireJSON.decode(DataEnvelope<[Device]>.self, from: text).data
        #expect(devices.count == 1)
        #expect(devices.first?.label == nil)
        #expect(devices.first?.identityKey == Fixtures.keyA)
        let reencoded = Fixtures.text(try WireJSON.encode(DataEnvelope(data: devices)))
        #expect(reencoded == text.replacingOccurrences(of: Fixtures.keyABase64Padded, with: Fixtures.keyABase64))
    }

    @Test("a user's key bundle, one device with a one-time key and one without")
    func userKeyBundle() throws {
        let withOPK =
            #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","identity_key":""# + Fixtures.keyABase64
            + #"","signed_pre_key_id":7,"signed_pre_key":""# + Fixtures.keyBBase64 + #"","signature":""#
            + Fixtures.signatureBase64 + #"","one_time_key_id":2147483647,"one_time_key":""# + Fixtures.keyABase64
            + #""}"#
        let withoutOPK =
            #"{"device_id":"f0e1d2c3-b4a5-4697-8877-665544332211","identity_key":""# + Fixtures.keyBBase64
            + #"","signed_pre_key_id":1,"signed_pre_key":""# + Fixtures.keyABase64 + #"","signature":""#
            + Fixtures.signatureBase64 + #""}"#
        let text =
            #"{"data":{"user_id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","devices":["# + withOPK + ","
            + withoutOPK + "]}}"
        let expected = DataEnvelope(
            data: UserKeyBundle(
                userID: Fixtures.userB,
                devices: [
                    DeviceKeyBundle(
                        deviceID: Fixtures.deviceA, identityKey: Fixtures.keyA, signedPreKeyID: 7,
                        signedPreKey: Fixtures.keyB, signature: Fixtures.signature,
                        oneTimePreKey: OneTimePreKey(keyID: 2_147_483_647, publicKey: Fixtures.keyA)),
                    DeviceKeyBundle(
                        deviceID: Fixtures.deviceB, identityKey: Fixtures.keyB, signedPreKeyID: 1,
                        signedPreKey: Fixtures.keyA, signature: Fixtures.signature),
                ]))
        try check(DataEnvelope<UserKeyBundle>.self, text, equals: expected)
    }

    @Test func oneTimePreKeyCount() throws {
        try check(
            DataEnvelope<OneTimePreKeyCount>.self, #"{"data":{"count":93}}"#,
            equals: DataEnvelope(data: OneTimePreKeyCount(count: 93)))
    }

    // MARK: - Requests

    @Test func registerDevice() throws {
        let text =
            #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","label":"phone","identity_key":""#
            + Fixtures.keyABase64 + #""}"#
        try check(
            RegisterDeviceRequest.self, text,
            equals: RegisterDeviceRequest(deviceID: Fixtures.deviceA, label: "phone", identityKey: Fixtures.keyA))
        let unlabelled = RegisterDeviceRequest(deviceID: Fixtures.deviceA, identityKey: Fixtures.keyA)
        #expect(!Fixtures.text(try WireJSON.encode(unlabelled)).contains("label"))
    }

    @Test func updateIdentityKey() throws {
        try check(
            UpdateIdentityKeyRequest.self, #"{"identity_key":""# + Fixtures.keyBBase64 + #""}"#,
            equals: UpdateIdentityKeyRequest(identityKey: Fixtures.keyB))
    }

    @Test func uploadSignedPreKey() throws {
        let text =
            #"{"key_id":12,"public_key":""# + Fixtures.keyBBase64 + #"","signature":""# + Fixtures.signatureBase64
            + #""}"#
        try check(
            UploadSignedPreKeyRequest.self, text,
            equals: UploadSignedPreKeyRequest(keyID: 12, publicKey: Fixtures.keyB, signature: Fixtures.signature))
    }

    @Test("a batch of 100 one-time pre-keys")
    func uploadOneTimePreKeys() throws {
        let keys = (1...100).map { OneTimePreKey(keyID: UInt32($0), publicKey: Fixtures.bytes(32, from: UInt8($0))) }
        let request = UploadOneTimePreKeysRequest(preKeys: keys)
        let encoded = try WireJSON.encode(request)
        #expect(Fixtures.text(encoded).hasPrefix(#"{"pre_keys":[{"key_id":1,"public_key":""# + Fixtures.keyABase64))
        #expect(try WireJSON.decode(UploadOneTimePreKeysRequest.self, from: encoded) == request)
    }

    @Test func createDirectChannel() throws {
        try check(
            CreateDMChannelRequest.self, #"{"recipient_id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64"}"#,
            equals: .direct(recipientID: Fixtures.userB))
    }

    @Test func createGroupChannel() throws {
        try check(
            CreateDMChannelRequest.self,
            #"{"name":"Trip","recipients":["7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","#
                + #""0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30"]}"#,
            equals: .group(name: "Trip", recipients: [Fixtures.userB, Fixtures.userA]))
    }

    @Test func sendMessage() throws {
        let text =
            #"{"content":"AQID","reply_to_id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","message_keys":["#
            + #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","encrypted_key":""# + Fixtures.wrapBase64 + #""},"#
            + #"{"device_id":"f0e1d2c3-b4a5-4697-8877-665544332211","encrypted_key":"AQ"}]}"#
        try check(
            SendMessageRequest.self, text,
            equals: SendMessageRequest(
                content: "AQID", replyToID: Fixtures.message,
                messageKeys: [
                    EncryptedMessageKey(recipient: .device(Fixtures.deviceA), encryptedKey: Fixtures.wrap),
                    EncryptedMessageKey(recipient: .device(Fixtures.deviceB), encryptedKey: [0x01]),
                ]))
    }

    // MARK: - Errors

    @Test("a known error code")
    func serverError() throws {
        try check(
            ServerError.self, #"{"error":{"code":"UNKNOWN_DEVICE","message":"Device not found"}}"#,
            equals: ServerError(code: .unknownDevice, message: "Device not found"))
        #expect(ServerError(code: .maxDevicesReached, message: "x").description == "MAX_DEVICES_REACHED: x")
    }

    @Test("an unknown error code passes through")
    func unknownServerError() throws {
        let error = try WireJSON.decode(ServerError.self, from: #"{"error":{"code":"BRAND_NEW","message":""}}"#)
        #expect(error.code.rawValue == "BRAND_NEW")
        #expect(error.code != .internalError)
        let bare = try WireJSON.decode(ServerError.self, from: #"{"error":{"code":"RATE_LIMITED"}}"#)
        #expect(bare == ServerError(code: .rateLimited, message: ""))
    }

    @Test("the E2EE error codes have the server's spelling")
    func errorCodeSpelling() {
        #expect(ServerErrorCode.invalidKeyMaterial.rawValue == "INVALID_KEY_MATERIAL")
        #expect(ServerErrorCode.opkBatchTooLarge.rawValue == "OPK_BATCH_TOO_LARGE")
        #expect(ServerErrorCode.duplicateKeyID.rawValue == "DUPLICATE_KEY_ID")
        #expect(ServerErrorCode.maxDevicesReached.rawValue == "MAX_DEVICES_REACHED")
        #expect(ServerErrorCode.keyBundleIncomplete.rawValue == "KEY_BUNDLE_INCOMPLETE")
        #expect(ServerErrorCode.unknownDevice.rawValue == "UNKNOWN_DEVICE")
    }
}
