import Foundation
import Testing
import UncordProtocol

/// Every class of bad input gives the typed error that names the field.
@Suite("Wire errors")
struct WireErrorTests {
    static let bundleDevice =
        #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","identity_key":""# + Fixtures.keyABase64
        + #"","signed_pre_key_id":7,"signed_pre_key":""# + Fixtures.keyBBase64 + #"","signature":""#
        + Fixtures.signatureBase64 + #""}"#

    /// A user bundle whose second device is `device`.
    static func bundle(secondDevice device: String) -> String {
        #"{"user_id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","devices":["# + bundleDevice + "," + device + "]}"
    }

    func error<T: Decodable>(_ type: T.Type, _ text: String) -> ProtocolError? {
        protocolError { try WireJSON.decode(type, from: text) }
    }

    @Test("a 31-byte key in the second device names devices[1].identity_key")
    func shortKeyInList() {
        let device = Self.bundleDevice.replacingOccurrences(
            of: #""identity_key":""# + Fixtures.keyABase64, with: #""identity_key":""# + Fixtures.shortKeyBase64)
        #expect(
            error(UserKeyBundle.self, Self.bundle(secondDevice: device))
                == .malformedField(path: "devices[1].identity_key", reason: "must be 32 bytes, got 31"))
    }

    @Test("inside the success envelope the path starts with data")
    func envelopePath() {
        let device = Self.bundleDevice.replacingOccurrences(of: Fixtures.signatureBase64, with: Fixtures.keyABase64)
        let text = #"{"data":"# + Self.bundle(secondDevice: device) + "}"
        #expect(
            error(DataEnvelope<UserKeyBundle>.self, text)
                == .malformedField(path: "data.devices[1].signature", reason: "must be 64 bytes, got 32"))
    }

    @Test(
        "bad base64 is refused",
        arguments: [
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA==",  // wrong padding
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA!",
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA ",
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHy_",  // URL-safe alphabet
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyB",  // non-zero trailing bits
        ])
    func badBase64(text: String) {
        #expect(
            error(UpdateIdentityKeyRequest.self, #"{"identity_key":""# + text + #""}"#)
                == .malformedField(path: "identity_key", reason: "is not base64 (standard alphabet)"))
    }

    @Test("wrong lengths for keys and signatures")
    func wrongLengths() {
        #expect(
            error(UpdateIdentityKeyRequest.self, #"{"identity_key":""}"#)
                == .malformedField(path: "identity_key", reason: "must be 32 bytes, got 0"))
        let longSignature = Fixtures.signatureBase64 + "AA"
        let body =
            #"{"key_id":1,"public_key":""# + Fixtures.keyABase64 + #"","signature":""# + longSignature + #""}"#
        #expect(
            error(UploadSignedPreKeyRequest.self, body)
                == .malformedField(path: "signature", reason: "must be 64 bytes, got 66"))
        #expect(
            error(EncryptedMessageKey.self, #"{"device_id":"","encrypted_key":""}"#)
                == .malformedField(path: "encrypted_key", reason: "must not be empty"))
    }

    @Test(
        "text that is not a canonical UUID is refused",
        arguments: [
            "a1b2c3d4e5f647898abcdef012345678", "{a1b2c3d4-e5f6-4789-8abc-def012345678}",
            "a1b2c3d4-e5f6-4789-8abc-def01234567", "a1b2c3d4-e5f6-4789-8abc-def0123456789",
            "g1b2c3d4-e5f6-4789-8abc-def012345678", " a1b2c3d4-e5f6-4789-8abc-def01234567", "",
        ])
    func notUUID(text: String) {
        #expect(
            error(KeyBundleLow.self, #"{"device_id":""# + text + #"","remaining":1}"#)
                == .malformedField(path: "device_id", reason: "is not a UUID"))
    }

    @Test("UUIDs read in either case and write in lowercase")
    func uuidCase() throws {
        let low = try WireJSON.decode(
            KeyBundleLow.self, from: #"{"device_id":"A1B2C3D4-E5F6-4789-8ABC-DEF012345678","remaining":1}"#)
        #expect(low.deviceID == Fixtures.deviceA)
        #expect(Fixtures.text(try WireJSON.encode(low)).contains("a1b2c3d4-e5f6-4789-8abc-def012345678"))
    }

    @Test("a non-UUID recipient in a list names its index")
    func uuidInArray() {
        #expect(
            error(
                CreateDMChannelRequest.self, #"{"name":"g","recipients":["7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","x"]}"#)
                == .malformedField(path: "recipients[1]", reason: "is not a UUID"))
    }

    @Test("missing fields are named, nested ones with their path")
    func missingFields() {
        #expect(error(Hello.self, "{}") == .missingField(path: "heartbeat_interval"))
        #expect(error(Hello.self, #"{"heartbeat_interval":null}"#) == .missingField(path: "heartbeat_interval"))
        #expect(error(Ready.self, #"{"session_id":"s","user":{}}"#) == .missingField(path: "user.id"))
        #expect(error(CreateDMChannelRequest.self, "{}") == .missingField(path: "recipient_id"))
        #expect(error(CreateDMChannelRequest.self, #"{"name":"g"}"#) == .missingField(path: "recipients"))
        #expect(error(ServerError.self, #"{"error":{"message":"m"}}"#) == .missingField(path: "error.code"))
        let noAuthorName =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","#
            + #""author":{"id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64"},"content":"x","encrypted":true,"#
            + #""created_at":"2025-03-01T12:34:56Z"}"#
        #expect(error(Message.self, noAuthorName) == .missingField(path: "author.username"))
        let noEncrypted = noAuthorName.replacingOccurrences(of: #""encrypted":true,"#, with: "")
            .replacingOccurrences(of: #"-2d9f0a8b7c64"}"#, with: #"-2d9f0a8b7c64","username":"u"}"#)
        #expect(error(Message.self, noEncrypted) == .missingField(path: "encrypted"))
    }

    @Test("the one-time key fields come together or not at all")
    func oneTimeKeyPair() {
        let idOnly = Self.bundleDevice.replacingOccurrences(
            of: #""signed_pre_key_id":7"#, with: #""signed_pre_key_id":7,"one_time_key_id":3"#)
        #expect(
            error(UserKeyBundle.self, Self.bundle(secondDevice: idOnly))
                == .missingField(path: "devices[1].one_time_key"))
        let keyOnly = Self.bundleDevice.replacingOccurrences(
            of: #""signed_pre_key_id":7"#,
            with: #""signed_pre_key_id":7,"one_time_key":""# + Fixtures.keyABase64 + #"""#)
        #expect(
            error(UserKeyBundle.self, Self.bundle(secondDevice: keyOnly))
                == .missingField(path: "devices[1].one_time_key_id"))
        let bothNull = Self.bundleDevice.replacingOccurrences(
            of: #""signed_pre_key_id":7"#, with: #""signed_pre_key_id":7,"one_time_key":null,"one_time_key_id":null"#)
        #expect(error(UserKeyBundle.self, Self.bundle(secondDevice: bothNull)) == nil)
    }

    @Test("wrong JSON types name the kind expected")
    func wrongTypes() {
        #expect(
            error(Hello.self, #"{"heartbeat_interval":"41250"}"#)
                == .wrongType(path: "heartbeat_interval", expected: "an integer"))
        #expect(error(Identify.self, #"{"token":42}"#) == .wrongType(path: "token", expected: "a string"))
        #expect(
            error(KeyBundleLow.self, #"{"device_id":7,"remaining":1}"#)
                == .wrongType(path: "device_id", expected: "a string"))
        #expect(
            error(UserKeyBundle.self, #"{"user_id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","devices":{}}"#)
                == .wrongType(path: "devices", expected: "an array"))
        #expect(
            error(UserKeyBundle.self, #"{"user_id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","devices":[[]]}"#)
                == .wrongType(path: "devices[0]", expected: "an object"))
        #expect(error(Hello.self, "[]") == .wrongType(path: "", expected: "an object"))
        #expect(error(MessageDelete.self, #"{"id":true}"#) == .wrongType(path: "id", expected: "a string"))
        let pinnedText =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","channel_id":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7","#
            + #""author":{"id":"7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64","username":"u"},"content":"x","encrypted":"yes","#
            + #""created_at":"2025-03-01T12:34:56Z"}"#
        #expect(error(Message.self, pinnedText) == .wrongType(path: "encrypted", expected: "a boolean"))
    }

    @Test("integers must be plain integer literals in range")
    func integers() {
        #expect(
            error(Hello.self, #"{"heartbeat_interval":1.0}"#)
                == .malformedField(path: "heartbeat_interval", reason: "must be an integer"))
        #expect(
            error(Hello.self, #"{"heartbeat_interval":1e3}"#)
                == .malformedField(path: "heartbeat_interval", reason: "must be an integer"))
        #expect(
            error(Hello.self, #"{"heartbeat_interval":0}"#)
                == .malformedField(path: "heartbeat_interval", reason: "must be at least 1 millisecond"))
        #expect(
            error(KeyBundleLow.self, #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","remaining":-1}"#)
                == .malformedField(path: "remaining", reason: "must not be negative"))
        #expect(
            error(OneTimePreKeyCount.self, #"{"count":-3}"#)
                == .malformedField(path: "count", reason: "must not be negative"))
        #expect(
            error(Resume.self, #"{"token":"t","session_id":"s","seq":-1}"#)
                == .malformedField(path: "seq", reason: "must not be negative"))
        let huge = error(Resume.self, #"{"token":"t","session_id":"s","seq":9223372036854775808}"#)
        guard case .malformedField(let path, _) = huge else {
            Issue.record("expected a malformed seq, got \(String(describing: huge))")
            return
        }
        #expect(path == "seq")
    }

    @Test("key ids must be in 1…2^31−1", arguments: ["0", "-1", "2147483648", "4294967296"])
    func keyIDRange(id: String) {
        let text = #"{"key_id":"# + id + #","public_key":""# + Fixtures.keyABase64 + #""}"#
        #expect(
            error(OneTimePreKey.self, text)
                == .malformedField(path: "key_id", reason: "must be a key id in 1…2147483647"))
    }

    @Test("a pre-key batch must hold 1 to 100 keys")
    func batchSize() throws {
        #expect(
            error(UploadOneTimePreKeysRequest.self, #"{"pre_keys":[]}"#)
                == .malformedField(path: "pre_keys", reason: "must hold 1 to 100 keys, got 0"))
        let key = OneTimePreKey(keyID: 1, publicKey: Fixtures.keyA)
        let tooMany = UploadOneTimePreKeysRequest(preKeys: Array(repeating: key, count: 101))
        #expect(
            protocolError { try WireJSON.encode(tooMany) }
                == .malformedField(path: "pre_keys", reason: "must hold 1 to 100 keys, got 101"))
        let tooManyText = Fixtures.text(try WireJSON.encode(UploadOneTimePreKeysRequest(preKeys: [key])))
            .replacingOccurrences(
                of: "[",
                with: "["
                    + String(repeating: #"{"key_id":1,"public_key":""# + Fixtures.keyABase64 + #""},"#, count: 100))
        #expect(
            error(UploadOneTimePreKeysRequest.self, tooManyText)
                == .malformedField(path: "pre_keys", reason: "must hold 1 to 100 keys, got 101"))
        let badElement =
            #"{"pre_keys":[{"key_id":1,"public_key":""# + Fixtures.keyABase64 + #""},{"key_id":2,"public_key":"AQ"}]}"#
        #expect(
            error(UploadOneTimePreKeysRequest.self, badElement)
                == .malformedField(path: "pre_keys[1].public_key", reason: "must be 32 bytes, got 1"))
    }

    @Test("a message being sent must address every wrap by device")
    func sendMessageNeedsDevices() {
        let text =
            #"{"content":"x","message_keys":["#
            + #"{"device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","encrypted_key":"AQ"},"#
            + #"{"device_id":"","encrypted_key":"AQ"}]}"#
        #expect(
            error(SendMessageRequest.self, text)
                == .malformedField(path: "message_keys[1].device_id", reason: "must be a device UUID"))
        let request = SendMessageRequest(
            content: "x", messageKeys: [EncryptedMessageKey(recipient: .thisDevice, encryptedKey: [1])])
        #expect(
            protocolError { try WireJSON.encode(request) }
                == .malformedField(path: "message_keys[0].device_id", reason: "must be a device UUID"))
    }

    @Test("encoding refuses wrong lengths and ids, naming the field")
    func encodingChecks() {
        let shortKey = DeviceKeyBundle(
            deviceID: Fixtures.deviceA, identityKey: Fixtures.keyA, signedPreKeyID: 1, signedPreKey: Fixtures.keyB,
            signature: Fixtures.signature, oneTimePreKey: OneTimePreKey(keyID: 2, publicKey: [1, 2, 3]))
        #expect(
            protocolError { try WireJSON.encode(UserKeyBundle(userID: Fixtures.userA, devices: [shortKey])) }
                == .malformedField(path: "devices[0].one_time_key", reason: "must be 32 bytes, got 3"))
        let zeroID = UploadSignedPreKeyRequest(keyID: 0, publicKey: Fixtures.keyA, signature: Fixtures.signature)
        #expect(
            protocolError { try WireJSON.encode(zeroID) }
                == .malformedField(path: "key_id", reason: "must be a key id in 1…2147483647"))
        #expect(
            protocolError { try WireJSON.encode(Hello(heartbeatInterval: .zero)) }
                == .malformedField(
                    path: "heartbeat_interval", reason: "must be between 1 millisecond and Int64.max milliseconds"))
    }

    @Test("a field the type reads must not appear twice; unknown fields are ignored even when repeated")
    func duplicates() throws {
        #expect(
            error(Identify.self, #"{"token":"a","token":"b"}"#)
                == .malformedField(path: "token", reason: "appears more than once"))
        #expect(try WireJSON.decode(Identify.self, from: #"{"x":1,"x":2,"token":"a"}"#) == Identify(token: "a"))
    }

    @Test("timestamps must be RFC 3339")
    func badTimestamp() {
        let text =
            #"{"id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","device_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","#
            + #""identity_key":""# + Fixtures.keyABase64 + #"","created_at":"2025-02-30T00:00:00Z"}"#
        #expect(error(Device.self, text) == .malformedField(path: "created_at", reason: "is not an RFC 3339 timestamp"))
    }

    @Test("text that is not JSON gives notJSON", arguments: ["", "{", "{\"token\":\"a\"} {}", "{\"token\":'a'}"])
    func notJSON(text: String) {
        #expect(isNotJSON(error(Identify.self, text)))
    }

    @Test("error descriptions name the field and never the value")
    func descriptions() {
        let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQ"
        let failure = error(UpdateIdentityKeyRequest.self, #"{"identity_key":""# + secret + #""}"#)
        let text = failure.map { "\($0)" } ?? ""
        #expect(text == "malformed field 'identity_key': must be 32 bytes, got 20")
        #expect(!text.contains(secret))
        #expect(ProtocolError.missingField(path: "a.b").description == "missing field 'a.b'")
        #expect(ProtocolError.wrongType(path: "", expected: "an object").description == "the value must be an object")
        #expect(
            ProtocolError.invalidFrame(.missingOpcode).description == "not a gateway frame: the field 'op' is missing")
    }
}
