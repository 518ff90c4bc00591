import Foundation
import Testing
import UncordCrypto
import UncordTestSupport

@testable import UncordRatchet

/// Linking a new device (LINKED_DEVICES.md A4): the round trip, the codes, and every refusal. The byte-exact answers
/// are in `Vectors/link.json`; these tests hold the API's behaviour around them.
@Suite("Device linking")
struct LinkTests {
    /// Seeded, so a failure replays; the seed is printed.
    let seed = UInt64.random(in: 0...UInt64.max)
    let random: DeterministicRandom

    init() {
        print("LinkTests seed \(seed)")
        random = DeterministicRandom(seed: seed)
    }

    /// The order-8 point from Vectors/x25519.json: every DH with it is all zero.
    static let lowOrderPoint = LowOrderPoints.orderEight

    func key() -> X25519.PrivateKey { X25519.PrivateKey.generate(using: random) }

    func uuid() -> UUID {
        let b = random.bytes(16)
        return UUID(
            uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
        )
    }

    func newRequest() -> (request: LinkRequest, ephemeral: X25519.PrivateKey) {
        let ephemeral = key()
        return (LinkRequest(deviceID: uuid(), ephemeralKey: ephemeral.publicKey), ephemeral)
    }

    func payload(identity: X25519.PrivateKey? = nil) -> LinkPayload {
        let me = uuid()
        let peers = [uuid(), uuid(), uuid()]
        return LinkPayload(
            identity: identity ?? key(), user: me, fromDevice: uuid(),
            pins: [
                .init(user: peers[0], identityKey: key().publicKey, trust: .unverified),
                .init(user: peers[1], identityKey: key().publicKey, trust: .verified),
                .init(user: peers[2], identityKey: key().publicKey, trust: .changed),
            ],
            channels: [.init(id: uuid(), members: [me, peers[0]]), .init(id: uuid(), members: [])])
    }

    /// A response sealed over hand-made payload bytes, for the payload refusals.
    func sealed(
        _ bytes: [UInt8], for request: LinkRequest
    ) throws -> LinkResponse {
        try LinkResponse.seal(
            payloadBytes: SecureBytes(copying: bytes), for: request, ephemeral: key(), nonce: random.bytes(24)
        ).response
    }

    /// Records an issue unless `body` throws a ``LinkError`` that `matches`.
    func expectRefusal(
        _ matches: (LinkError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any
    ) {
        do {
            _ = try body()
            Issue.record("expected a LinkError, nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as LinkError {
            #expect(matches(error), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a LinkError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Round trip

    @Test("A payload sealed by the existing device opens on the new one, with the same confirmation code")
    func roundTrip() throws {
        let (request, ephemeral) = newRequest()
        // O reads R from its text, as the person carries it over.
        let read = try LinkRequest(text: "  \n" + request.text + "\n")
        #expect(read == request)
        #expect(read.linkCode == request.linkCode)
        let sent = payload()
        let (response, sentCode) = try LinkResponse.seal(sent, for: read, using: random)
        let (received, receivedCode) = try LinkResponse(text: response.text + "\r\n").open(
            for: request, ephemeral: ephemeral)
        #expect(receivedCode == sentCode)
        #expect(received.identity.secret == sent.identity.secret)
        #expect(received.identityKey == sent.identityKey)
        #expect(received.user == sent.user)
        #expect(received.fromDevice == sent.fromDevice)
        #expect(received.pins == sent.pins)
        #expect(received.channels == sent.channels)
        #expect(try received.encoded() == sent.encoded())
    }

    @Test("Link and confirmation codes are six ASCII digits and depend on R and K")
    func codes() throws {
        var linkCodes: Set<String> = []
        var confirmationCodes: Set<String> = []
        for _ in 0..<40 {
            let (request, ephemeral) = newRequest()
            let (response, code) = try LinkResponse.seal(payload(), for: request, using: random)
            #expect(request.linkCode.utf8.count == 6 && request.linkCode.allSatisfy { $0.isASCII && $0.isNumber })
            #expect(code.utf8.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber })
            #expect(try response.open(for: request, ephemeral: ephemeral).confirmationCode == code)
            linkCodes.insert(request.linkCode)
            confirmationCodes.insert(code)
        }
        #expect(linkCodes.count > 30 && confirmationCodes.count > 30)
        #expect(LinkKeySchedule.sixDigits([0, 0, 0, 7] + [UInt8](repeating: 0xff, count: 28)) == "000007")
        #expect(LinkKeySchedule.sixDigits([0xff, 0xff, 0xff, 0xff]) == "967295")
    }

    @Test("The payload's exact bytes: the private key, then compact JSON in A4's order")
    func exactPayloadBytes() throws {
        let identity = try X25519.PrivateKey(secret: SecureBytes(copying: [UInt8](repeating: 7, count: 32)))
        let user = try #require(UUID(uuidString: "AAAAAAAA-0000-4000-8000-000000000001"))
        let device = try #require(UUID(uuidString: "AAAAAAAA-0000-4000-8000-000000000002"))
        let peer = try #require(UUID(uuidString: "BBBBBBBB-0000-4000-8000-000000000003"))
        let channel = try #require(UUID(uuidString: "CCCCCCCC-0000-4000-8000-000000000004"))
        let peerKey = try X25519.PublicKey(bytes: [UInt8](repeating: 0xfb, count: 32))
        let payload = LinkPayload(
            identity: identity, user: user, fromDevice: device,
            pins: [.init(user: peer, identityKey: peerKey, trust: .verified)],
            channels: [.init(id: channel, members: [user, peer])])
        let key = Base64.encode(identity.publicKey.bytes)
        let json =
            #"{"v":1,"user_id":"aaaaaaaa-0000-4000-8000-000000000001","identity_key":"\#(key)","#
            + #""from_device":"aaaaaaaa-0000-4000-8000-000000000002","pins":[{"user_id":"#
            + #""bbbbbbbb-0000-4000-8000-000000000003","identity_key":"\#(Base64.encode(peerKey.bytes))","#
            + #""trust":"verified"}],"channels":[{"channel_id":"cccccccc-0000-4000-8000-000000000004","members":"#
            + #"["aaaaaaaa-0000-4000-8000-000000000001","bbbbbbbb-0000-4000-8000-000000000003"]}]}"#
        #expect(!key.hasSuffix("=") && !Base64.encode(peerKey.bytes).hasSuffix("="))
        #expect(try payload.encoded().exportBytes() == [UInt8](repeating: 7, count: 32) + Array(json.utf8))
    }

    @Test("R is 49 bytes, its text is UEDM1-LINK: and unpadded base64url, and both read back")
    func requestForms() throws {
        let (request, _) = newRequest()
        #expect(request.bytes.count == 49)
        #expect(request.bytes[0] == 0x01)
        #expect(request.text.hasPrefix("UEDM1-LINK:"))
        let encoded = request.text.dropFirst("UEDM1-LINK:".count)
        #expect(encoded.count == 66)
        #expect(encoded.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(try LinkRequest(bytes: request.bytes) == request)
        #expect(try LinkRequest(text: request.text) == request)
    }

    // MARK: Request refusals

    @Test("A request with another version byte, length, prefix or encoding is refused")
    func requestRefusals() throws {
        let (request, _) = newRequest()
        let bytes = request.bytes
        #expect(throws: LinkError.unsupportedVersion(2)) { try LinkRequest(bytes: [2] + bytes.dropFirst()) }
        #expect(throws: LinkError.unsupportedVersion(0)) { try LinkRequest(bytes: [0]) }
        #expect(throws: LinkError.self) { try LinkRequest(bytes: []) }
        for count in [1, 48, 50] {
            let resized = Array((bytes + [0]).prefix(count))
            expectRefusal({ if case .malformedRequest = $0 { true } else { false } }) {
                try LinkRequest(bytes: resized)
            }
        }
        let body = String(request.text.dropFirst(LinkRequest.textPrefix.count))
        let standard = body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let cut = String(body.dropLast())
        var texts: [String] = [
            body,  // no prefix
            "uedm1-link:" + body,  // the prefix's letter case counts
            LinkRequest.textPrefix + body + "=",  // padding
            LinkRequest.textPrefix + cut + "*",  // a character outside the alphabet
            LinkRequest.textPrefix + cut,  // cut short: 65 characters cannot end a group
            LinkRequest.textPrefix + " " + body,  // white space inside
            "UEDM1-LINKED:" + body,  // a response's prefix
        ]
        if standard != body { texts.append(LinkRequest.textPrefix + standard) }  // the standard alphabet
        for text in texts {
            expectRefusal({ if case .malformedRequest(let detail) = $0 { !detail.isEmpty } else { false } }) {
                try LinkRequest(text: text)
            }
        }
        #expect(throws: LinkError.malformedRequest("this is a link response (UEDM1-LINKED:), not a request")) {
            try LinkRequest(text: "UEDM1-LINKED:" + body)
        }
    }

    @Test("A request whose E_n.pub is a low-order point is refused when read, and O cannot seal for it")
    func lowOrderRequestKey() throws {
        let low = try X25519.PublicKey(bytes: Self.lowOrderPoint)
        let request = LinkRequest(deviceID: uuid(), ephemeralKey: low)
        #expect(throws: LinkError.lowOrderKey) { try LinkRequest(bytes: request.bytes) }
        #expect(throws: LinkError.lowOrderKey) { try LinkRequest(text: request.text) }
        #expect(throws: LinkError.lowOrderKey) {
            try LinkResponse.seal(self.payload(), for: request, ephemeral: self.key(), nonce: self.random.bytes(24))
        }
        for point in ["00", "01"] {
            let key = try X25519.PublicKey(bytes: Hex.decode(point + String(repeating: "00", count: 31)))
            #expect(key.isLowOrder)
        }
        #expect(!key().publicKey.isLowOrder)
    }

    // MARK: Response refusals

    @Test("A response with another version byte or below the minimum length is refused")
    func responseFormat() throws {
        let (request, _) = newRequest()
        let (response, _) = try LinkResponse.seal(payload(), for: request, using: random)
        #expect(LinkResponse.minimumByteCount == 137)
        #expect(throws: LinkError.unsupportedVersion(2)) { try LinkResponse(bytes: [2] + response.bytes.dropFirst()) }
        #expect(throws: LinkError.malformedResponse("the response is empty")) { try LinkResponse(bytes: []) }
        #expect(throws: LinkError.malformedResponse("a response is at least 137 bytes, got 136")) {
            try LinkResponse(bytes: Array(response.bytes.prefix(136)))
        }
        #expect(try LinkResponse(bytes: Array(response.bytes.prefix(137))).bytes.count == 137)
        #expect(throws: LinkError.malformedResponse("the text does not start with UEDM1-LINKED:")) {
            try LinkResponse(text: request.text)
        }
        expectRefusal({ if case .malformedResponse = $0 { true } else { false } }) {
            try LinkResponse(text: response.text + "=")
        }
        #expect(try LinkResponse(text: response.text) == response)
    }

    @Test("A tampered tag, ciphertext, nonce or E_o, or a cut response, fails to authenticate")
    func tampering() throws {
        let (request, ephemeral) = newRequest()
        let (response, _) = try LinkResponse.seal(payload(), for: request, using: random)
        let bytes = response.bytes
        var damaged: [[UInt8]] = []
        for index in [1, 20, 33, 50, 57, 80, bytes.count - 17, bytes.count - 1] {
            var copy = bytes
            copy[index] ^= 0x01
            damaged.append(copy)
        }
        damaged.append(Array(bytes.dropLast()))
        damaged.append(bytes + [0])
        for copy in damaged {
            #expect(throws: LinkError.authenticationFailed) {
                try LinkResponse(bytes: copy).open(for: request, ephemeral: ephemeral)
            }
        }
    }

    @Test("A response made for another request is refused, even with the same E_n or the same device id")
    func otherRequest() throws {
        let (request, ephemeral) = newRequest()
        let (other, _) = newRequest()
        let sameKey = LinkRequest(deviceID: uuid(), ephemeralKey: request.ephemeralKey)
        for target in [other, sameKey] {
            let (response, _) = try LinkResponse.seal(payload(), for: target, using: random)
            #expect(throws: LinkError.authenticationFailed) { try response.open(for: request, ephemeral: ephemeral) }
        }
        // The same device id with another key cannot even be opened with this E_n.
        let (response, _) = try LinkResponse.seal(payload(), for: request, using: random)
        #expect(throws: LinkError.ephemeralKeyMismatch) { try response.open(for: request, ephemeral: self.key()) }
    }

    @Test("An E_o.pub that is a low-order point makes an all-zero DH, which is refused")
    func lowOrderResponseKey() throws {
        let (request, ephemeral) = newRequest()
        let (response, _) = try LinkResponse.seal(payload(), for: request, using: random)
        for point in [Self.lowOrderPoint, LowOrderPoints.zero] {
            let forged = try LinkResponse(bytes: [1] + point + response.bytes.dropFirst(33))
            #expect(throws: LinkError.lowOrderKey) { try forged.open(for: request, ephemeral: ephemeral) }
        }
    }

    @Test("A nonce that is not 24 bytes is refused when sealing")
    func nonceLength() throws {
        let (request, _) = newRequest()
        #expect(throws: LinkError.invalidNonce(byteCount: 12)) {
            try LinkResponse.seal(self.payload(), for: request, ephemeral: self.key(), nonce: self.random.bytes(12))
        }
    }

    // MARK: Payload refusals

    /// A payload's JSON with one member replaced (or removed, for `nil`), written by hand.
    func json(
        identity: X25519.PrivateKey, replacing name: String? = nil, with value: String? = nil, extra: String = ""
    ) -> String {
        var members: [(String, String)] = [
            ("v", "1"), ("user_id", #""\#(uuid().uuidString)""#),
            ("identity_key", #""\#(Base64.encode(identity.publicKey.bytes))""#),
            ("from_device", #""\#(uuid().uuidString)""#),
            (
                "pins",
                #"[{"user_id":"\#(uuid().uuidString)","identity_key":"\#(Base64.encode(key().publicKey.bytes))","trust":"changed"}]"#
            ),
            ("channels", #"[{"channel_id":"\#(uuid().uuidString)","members":["\#(uuid().uuidString)"]}]"#),
        ]
        if let name, let index = members.firstIndex(where: { $0.0 == name }) {
            if let value { members[index].1 = value } else { members.remove(at: index) }
        }
        return "{" + members.map { #""\#($0.0)":\#($0.1)"# }.joined(separator: ",") + extra + "}"
    }

    func open(_ bytes: [UInt8]) throws -> LinkPayload {
        let (request, ephemeral) = newRequest()
        return try sealed(bytes, for: request).open(for: request, ephemeral: ephemeral).payload
    }

    @Test("Fields the payload does not define are ignored; padded keys and upper-case UUIDs are read")
    func lenientPayload() throws {
        let identity = key()
        let padded = #""\#(Base64.encode(identity.publicKey.bytes))=""#
        let text = json(
            identity: identity, replacing: "identity_key", with: padded,
            extra: #","x_new":{"deep":[1,2.5,null,"\u00e9"]},"also":null"#)
        let opened = try open(identity.secret.exportBytes() + Array(text.utf8))
        #expect(opened.identityKey == identity.publicKey)
        #expect(opened.pins.count == 1 && opened.pins[0].trust == .changed)
        #expect(opened.channels.count == 1)
        let spaced = "\n { " + text.dropFirst() + " \t\r\n"
        #expect(try open(identity.secret.exportBytes() + Array(spaced.utf8)).identityKey == identity.publicKey)
    }

    @Test("A private key that does not belong to identity_key is refused")
    func identityMismatch() throws {
        let identity = key()
        #expect(throws: LinkError.identityKeyMismatch) {
            try self.open(self.key().secret.exportBytes() + Array(self.json(identity: identity).utf8))
        }
    }

    @Test(
        "Invalid payloads are refused, naming the field and never a value",
        arguments: [
            ("v", "2"), ("v", #""1""#), ("v", "1.0"), ("v", "true"), ("v", nil), ("user_id", #""me""#),
            ("user_id", "null"), ("user_id", nil), ("identity_key", #""AAAA""#), ("identity_key", #""%%%""#),
            ("identity_key", "7"), ("from_device", "[]"), ("pins", "{}"), ("pins", nil), ("pins", "[1]"),
            ("pins", #"[{"user_id":"00000000-0000-4000-8000-000000000001","trust":"verified"}]"#),
            ("channels", nil), ("channels", #"[{"channel_id":"00000000-0000-4000-8000-000000000001"}]"#),
            ("channels", #"[{"channel_id":"00000000-0000-4000-8000-000000000001","members":["x"]}]"#),
        ] as [(String, String?)])
    func invalidPayload(name: String, value: String?) throws {
        let identity = key()
        let text = json(identity: identity, replacing: name, with: value)
        let key = Base64.encode(identity.publicKey.bytes)
        expectRefusal({
            if case .invalidPayload(let detail) = $0 { detail.contains(name) && !detail.contains(key) } else { false }
        }) {
            try open(identity.secret.exportBytes() + Array(text.utf8))
        }
    }

    @Test("Unknown trust, a repeated field, bad JSON and short payloads are refused")
    func otherInvalidPayloads() throws {
        let identity = key()
        let secret = identity.secret.exportBytes()
        let pin = #"[{"user_id":"\#(uuid().uuidString)","identity_key":"\#(Base64.encode(key().publicKey.bytes))","#
        let cases: [[UInt8]] = [
            secret + Array(json(identity: identity, replacing: "pins", with: pin + #""trust":"trusted"}]"#).utf8),
            secret + Array(json(identity: identity, replacing: "pins", with: pin + #""trust":"Verified"}]"#).utf8),
            secret + Array(json(identity: identity, extra: #","v":1"#).utf8),
            secret + Array(json(identity: identity, extra: #","x":"\ud800""#).utf8),
            secret + Array("[]".utf8),
            secret + Array(json(identity: identity).dropLast().utf8),
            secret + [0xff, 0xfe],
            secret,
            Array(secret.prefix(31)),
            [],
        ]
        for bytes in cases {
            expectRefusal({ if case .invalidPayload = $0 { true } else { false } }) { try open(bytes) }
        }
    }

    // MARK: Secrets and time

    @Test("Descriptions and errors never show secret bytes")
    func noSecretsInText() throws {
        let (request, ephemeral) = newRequest()
        let sent = payload()
        let (response, _) = try LinkResponse.seal(sent, for: request, using: random)
        let secretHex = Hex.encode(sent.identity.secret.exportBytes())
        let secretBase64 = Base64.encode(sent.identity.secret.exportBytes())
        let texts = [
            sent.description, "\(sent)", String(reflecting: sent), request.description, response.description,
            "\(try response.open(for: request, ephemeral: ephemeral))",
        ]
        for text in texts {
            #expect(!text.contains(secretHex) && !text.contains(secretBase64))
            #expect(!text.contains(Hex.encode(ephemeral.secret.exportBytes())))
        }
    }

    @Test("A response is accepted within ten minutes of showing the request, and not after")
    func expiry() throws {
        let shown = ContinuousClock.now
        try LinkRequest.checkFresh(shownAt: shown, now: shown)
        try LinkRequest.checkFresh(shownAt: shown, now: shown + .seconds(600))
        #expect(throws: LinkError.expired) { try LinkRequest.checkFresh(shownAt: shown, now: shown + .seconds(601)) }
        #expect(throws: LinkError.expired) { try LinkRequest.checkFresh(shownAt: shown, now: shown - .seconds(1)) }
        let suspending = SuspendingClock.now
        try LinkRequest.checkFresh(shownAt: suspending, now: suspending + .seconds(10))
    }

    @Test("Base64url: RFC 4648 section 5 without padding, one text per byte string")
    func base64URL() throws {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.encode([]) == "")
        #expect(Base64URL.encode(Array("foob".utf8)) == "Zm9vYg")
        #expect(try Base64URL.decode("-_8") == [0xfb, 0xff])
        #expect(try Base64URL.decode("Zm9vYg") == Array("foob".utf8))
        for bad in ["Zm9vYg==", "Zm9vYg=", "+/8", "Zm9vY", "Zm9vYh", " Zm9v", "Zm9v\n", "Zm9vÿ"] {
            #expect(throws: CryptoError.self) { try Base64URL.decode(bad) }
        }
        for _ in 0..<200 {
            let bytes = random.bytes(Int(random.bytes(1)[0] % 70))
            #expect(try Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }
}
