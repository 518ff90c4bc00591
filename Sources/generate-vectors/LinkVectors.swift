import Foundation
import UncordConformance
import UncordCrypto
import UncordRatchet

/// `link`: linking a new device (LINKED_DEVICES.md A4). Request cases, then responses the new device must open
/// (several payload shapes, zero-padded codes) and responses it must refuse, each with a `refusal` note naming the
/// check that refuses it. Every case is run through ``VectorRunner`` before it is written.
enum LinkVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "link",
            source: "This package's device linking (LINKED_DEVICES.md A4): requests, and responses sealed by the "
                + "existing device's side. Vectors/check recomputes the request, link code, key, opening, padding, "
                + "payload checks and confirmation code with pynacl, cryptography and hashlib.")
        let random = DeterministicRandom(seed: Array("link vectors".utf8))

        func add(_ comment: String, valid: Bool = true, _ fields: [String: JSONValue]) throws {
            file.add(comment, valid: valid, fields)
            let document: JSONValue = .object([
                "protocol": .string("UEDM/1"), "family": .string("link"),
                "cases": .array([.object(file.cases[file.cases.count - 1])]),
            ])
            let report = VectorRunner.verify(json: try JSONEncoder().encode(document), fileName: "link.json")
            guard report.failed == 0, report.passed == 1 else {
                throw GeneratorError("link case \(file.cases.count) (\(comment)): \(report.failures)")
            }
        }

        // Requests.
        func newRequest() -> (request: LinkRequest, ephemeral: X25519.PrivateKey) {
            let ephemeral = X25519.PrivateKey.generate(using: random)
            return (
                LinkRequest(deviceID: SPKSignatureVectors.uuid(random), ephemeralKey: ephemeral.publicKey), ephemeral
            )
        }
        func addRequest(_ comment: String, _ made: (request: LinkRequest, ephemeral: X25519.PrivateKey)) throws {
            try add(
                comment,
                [
                    "device_id": .uuid(made.request.deviceID), "ephemeral_private": .hex(made.ephemeral.secret),
                    "request": .hex(made.request.bytes), "text": .string(made.request.text),
                    "link_code": .string(made.request.linkCode),
                ])
        }
        for _ in 0..<3 { try addRequest("a request", newRequest()) }
        var leadingZero = newRequest()
        while !leadingZero.request.linkCode.hasPrefix("0") { leadingZero = newRequest() }
        try addRequest("a link code with a leading zero (zero-padded to six digits)", leadingZero)
        var urlAlphabet = newRequest()
        while !urlAlphabet.request.text.contains("-") || !urlAlphabet.request.text.contains("_") {
            urlAlphabet = newRequest()
        }
        try addRequest("a text with both '-' and '_' (base64url, not standard base64)", urlAlphabet)

        // Payloads.
        let account = SPKSignatureVectors.uuid(random)
        let identity = X25519.PrivateKey.generate(using: random)
        let fromDevice = SPKSignatureVectors.uuid(random)
        let peers = (0..<3).map { _ in SPKSignatureVectors.uuid(random) }
        let pins = zip(peers, [PinnedIdentity.Level.unverified, .verified, .changed]).map { user, trust in
            LinkPayload.Pin(user: user, identityKey: X25519.PrivateKey.generate(using: random).publicKey, trust: trust)
        }
        let channels = [
            LinkPayload.Channel(id: SPKSignatureVectors.uuid(random), members: [account, peers[0]]),
            LinkPayload.Channel(id: SPKSignatureVectors.uuid(random), members: [account, peers[1], peers[2]]),
        ]
        let full = LinkPayload(
            identity: identity, user: account, fromDevice: fromDevice, pins: pins, channels: channels)
        let bare = LinkPayload(identity: identity, user: account, fromDevice: fromDevice, pins: [], channels: [])

        // Responses the new device opens.
        let base = newRequest()
        func addResponse(
            _ comment: String, valid: Bool = true, refusal: String? = nil, request: [UInt8]? = nil,
            ephemeral: X25519.PrivateKey? = nil, response: [UInt8], payload: SecureBytes? = nil, code: String? = nil
        ) throws {
            var fields: [String: JSONValue] = [
                "request": .hex(request ?? base.request.bytes),
                "ephemeral_private": .hex((ephemeral ?? base.ephemeral).secret),
                "response": .hex(response),
            ]
            if valid, let payload, let code {
                fields["payload"] = .hex(payload)
                fields["confirmation_code"] = .string(code)
            }
            if let refusal { fields["refusal"] = .string(refusal) }
            try add(comment, valid: valid, fields)
        }
        func seal(_ bytes: SecureBytes, for request: LinkRequest = base.request) throws -> (LinkResponse, String) {
            let sealed = try LinkResponse.seal(
                payloadBytes: bytes, for: request, ephemeral: X25519.PrivateKey.generate(using: random),
                nonce: random.bytes(24))
            return (sealed.response, sealed.confirmationCode)
        }
        func addOpened(_ comment: String, _ bytes: SecureBytes) throws {
            let (response, code) = try seal(bytes)
            try addResponse(comment, response: response.bytes, payload: bytes, code: code)
        }

        let (fullResponse, _) = try seal(full.encoded())
        try addOpened("three pins, one per trust level, and two channels", full.encoded())
        try addOpened("no pins and no channels", bare.encoded())
        var zeroCode: (LinkResponse, String)
        repeat { zeroCode = try seal(full.encoded()) } while !zeroCode.1.hasPrefix("0")
        try addResponse(
            "a confirmation code with a leading zero (zero-padded to six digits)", response: zeroCode.0.bytes,
            payload: try full.encoded(), code: zeroCode.1)

        // Hand-written JSON, from the same values.
        func key(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }
        func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }
        let pin = pins[1]
        let channel = channels[0]
        func payloadJSON(
            v: String = "1", user: String? = nil, identityKey: String? = nil, pinsJSON: String? = nil,
            channelsJSON: String? = nil, extra: String = ""
        ) -> String {
            let pinsText =
                pinsJSON
                ?? #"[{"user_id":"\#(id(pin.user))","identity_key":"\#(key(pin.identityKey.bytes))","trust":"verified"}]"#
            let channelsText =
                channelsJSON
                ?? #"[{"channel_id":"\#(id(channel.id))","members":["\#(id(account))","\#(id(peers[0]))"]}]"#
            var members = [#""v":\#(v)"#]
            if let user { members.append(user) } else { members.append(#""user_id":"\#(id(account))""#) }
            members.append(#""identity_key":"\#(identityKey ?? key(identity.publicKey.bytes))""#)
            members.append(#""from_device":"\#(id(fromDevice))""#)
            if !pinsText.isEmpty { members.append(#""pins":\#(pinsText)"#) }
            if !channelsText.isEmpty { members.append(#""channels":\#(channelsText)"#) }
            return "{" + members.joined(separator: ",") + extra + "}"
        }
        func bytes(_ json: String, privateKey: X25519.PrivateKey = identity) -> SecureBytes {
            SecureBytes(copying: privateKey.secret.exportBytes() + Array(json.utf8))
        }

        try addOpened(
            "fields UEDM/1 does not define are ignored; a padded identity_key and upper-case UUIDs are accepted",
            bytes(
                payloadJSON(
                    user: #""user_id":"\#(account.uuidString.uppercased())""#,
                    identityKey: key(identity.publicKey.bytes) + "=",
                    pinsJSON:
                        #"[{"user_id":"\#(pin.user.uuidString.uppercased())","note":{"n":[1,2.5,null]},"identity_key":"\#(key(pin.identityKey.bytes))=","trust":"verified"}]"#,
                    channelsJSON:
                        #"[{"channel_id":"\#(id(channel.id))","name":null,"members":["\#(account.uuidString.uppercased())"]}]"#,
                    extra: #","x_client":"uncord-keys 1.0 \u00e9\u2603","x_flags":[true,false]"#)))

        let shortJSON = payloadJSON(pinsJSON: "[]", channelsJSON: "[]")
        let overhead = 32 + shortJSON.utf8.count + #","x":"""#.utf8.count
        let fillTo = (overhead + 63) / 64 * 64
        let filler = String(repeating: "x", count: fillTo - overhead)
        let exact = bytes(payloadJSON(pinsJSON: "[]", channelsJSON: "[]", extra: #","x":"\#(filler)""#))
        guard exact.count == fillTo, exact.count % 64 == 0 else { throw GeneratorError("filler: \(exact.count)") }
        try addOpened(
            "a \(fillTo)-byte payload, a multiple of 64: padding adds a whole block", exact)

        let spaced = payloadJSON().replacingOccurrences(of: ",", with: ",\n  ").replacingOccurrences(
            of: "\":", with: "\" : ")
        try addOpened("JSON with white space between its tokens and around it", bytes("\n " + spaced + " \n"))

        // Responses the new device refuses: the response's bytes.
        let good = fullResponse.bytes
        func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
            var bytes = bytes
            bytes[index] ^= 0x01
            return bytes
        }
        try addResponse(
            "response version byte 0x02", valid: false, refusal: "response_version", response: [0x02] + good.dropFirst()
        )
        try addResponse(
            "response of \(LinkResponse.minimumByteCount - 1) bytes, one below the minimum", valid: false,
            refusal: "response_length", response: Array(good.prefix(LinkResponse.minimumByteCount - 1)))
        try addResponse(
            "response cut by its last byte (still long enough, the tag fails)", valid: false, refusal: "tag",
            response: Array(good.dropLast()))
        try addResponse(
            "tampered tag (the last bit flipped)", valid: false, refusal: "tag",
            response: flipped(good, at: good.count - 1))
        try addResponse(
            "tampered ciphertext (the first byte of C)", valid: false, refusal: "tag",
            response: flipped(good, at: 1 + 32 + 24))
        try addResponse(
            "tampered nonce", valid: false, refusal: "tag", response: flipped(good, at: 1 + 32))
        try addResponse(
            "tampered E_o.pub: another key, so another K", valid: false, refusal: "tag", response: flipped(good, at: 1))
        let other = newRequest()
        try addResponse(
            "a response made for another request", valid: false, refusal: "tag",
            response: try seal(full.encoded(), for: other.request).0.bytes)
        let swappedDevice = LinkRequest(deviceID: other.request.deviceID, ephemeralKey: base.request.ephemeralKey)
        try addResponse(
            "a response made for a request with the same E_n but another device id", valid: false, refusal: "tag",
            response: try seal(full.encoded(), for: swappedDevice).0.bytes)
        let lowOrder = [
            ("the order-8 point", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            ("u = p - 1, of order 4", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            ("u = 0", "0000000000000000000000000000000000000000000000000000000000000000"),
        ]
        for (name, point) in lowOrder {
            try addResponse(
                "all-zero DH: E_o.pub is \(name)", valid: false, refusal: "all_zero_dh",
                response: [0x01] + (try Hex.decode(point)) + Array(good[33...]))
        }

        // The request or the ephemeral key.
        let genuine = try seal(full.encoded()).0.bytes
        try addResponse(
            "request version byte 0x02 (the response is genuine)", valid: false, refusal: "request_version",
            request: [0x02] + base.request.bytes.dropFirst(), response: genuine)
        try addResponse(
            "request of 48 bytes (the response is genuine)", valid: false, refusal: "request_length",
            request: Array(base.request.bytes.dropLast()), response: genuine)
        try addResponse(
            "request whose E_n.pub is a low-order point: refused when R is read", valid: false, refusal: "all_zero_dh",
            request: [0x01] + base.request.deviceID.rfc4122Bytes + (try Hex.decode(lowOrder[0].1)), response: genuine)
        try addResponse(
            "ephemeral_private is not the request's E_n", valid: false, refusal: "ephemeral_key",
            ephemeral: other.ephemeral, response: genuine)

        // Payloads the new device refuses, sealed as given.
        func addRefused(_ comment: String, refusal: String = "payload", _ bytes: SecureBytes) throws {
            try addResponse(comment, valid: false, refusal: refusal, response: try seal(bytes).0.bytes)
        }
        let stranger = X25519.PrivateKey.generate(using: random)
        try addRefused(
            "the private key does not match identity_key", refusal: "identity_key",
            bytes(payloadJSON(), privateKey: stranger))
        try addRefused("v is 2", bytes(payloadJSON(v: "2")))
        try addRefused(#"v is the string "1""#, bytes(payloadJSON(v: #""1""#)))
        try addRefused("v is 1.0, not an integer", bytes(payloadJSON(v: "1.0")))
        try addRefused("v is given twice", bytes(payloadJSON(extra: #","v":1"#)))
        try addRefused("user_id is missing", bytes(payloadJSON(user: #""user":"\#(id(account))""#)))
        try addRefused("user_id is null", bytes(payloadJSON(user: #""user_id":null"#)))
        try addRefused(
            "identity_key is 31 bytes", bytes(payloadJSON(identityKey: key(Array(identity.publicKey.bytes.prefix(31)))))
        )
        var urlKey = X25519.PrivateKey.generate(using: random).publicKey
        while !key(urlKey.bytes).contains(where: { $0 == "+" || $0 == "/" }) {
            urlKey = X25519.PrivateKey.generate(using: random).publicKey
        }
        let urlText = key(urlKey.bytes).replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_")
        try addRefused(
            "a pin's identity_key is written in the base64url alphabet",
            bytes(
                payloadJSON(
                    pinsJSON: #"[{"user_id":"\#(id(pin.user))","identity_key":"\#(urlText)","trust":"verified"}]"#)))
        try addRefused(
            #"a pin's trust is "trusted""#,
            bytes(
                payloadJSON(
                    pinsJSON:
                        #"[{"user_id":"\#(id(pin.user))","identity_key":"\#(key(pin.identityKey.bytes))","trust":"trusted"}]"#
                )))
        try addRefused(
            #"a pin's trust is "Verified" (letter case counts)"#,
            bytes(
                payloadJSON(
                    pinsJSON:
                        #"[{"user_id":"\#(id(pin.user))","identity_key":"\#(key(pin.identityKey.bytes))","trust":"Verified"}]"#
                )))
        try addRefused(
            "a pin without trust",
            bytes(
                payloadJSON(
                    pinsJSON: #"[{"user_id":"\#(id(pin.user))","identity_key":"\#(key(pin.identityKey.bytes))"}]"#)))
        try addRefused(
            "a channel member is not a UUID",
            bytes(
                payloadJSON(channelsJSON: #"[{"channel_id":"\#(id(channel.id))","members":["\#(id(account))","bob"]}]"#)
            ))
        try addRefused("pins is an object, not a list", bytes(payloadJSON(pinsJSON: "{}")))
        try addRefused("channels is missing", bytes(payloadJSON(channelsJSON: "")))
        try addRefused(
            #"an unknown field's string holds an unpaired surrogate escape (\ud800): not Unicode text"#,
            bytes(payloadJSON(extra: #","x_note":"\ud800""#)))
        try addRefused("the JSON is an array", bytes("[" + payloadJSON() + "]"))
        try addRefused("the JSON is cut short", bytes(String(payloadJSON().dropLast())))
        try addRefused("not JSON", bytes("identity"))
        try addRefused(
            "a payload of 31 bytes, shorter than the private key", SecureBytes(copying: random.bytes(31)))
        try addRefused("only the private key, no JSON", SecureBytes(copying: identity.secret.exportBytes()))
        return file
    }
}
