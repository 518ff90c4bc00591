import Foundation
import UncordConformance
import UncordCrypto
import UncordRatchet

enum EnvelopeVectors {
    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "envelope",
            source: "This package's envelopes (PROTOCOL.md section 5): content and a pre-key wrap from a fresh X3DH "
                + "session. Vectors/check recomputes both with pynacl and hashlib and opens them as the recipient.")
        let random = DeterministicRandom(seed: Array("envelope vectors".utf8))
        let sentAt = "2026-11-29T01:24:04Z"

        func payloadJSON(device: UUID, bodyLength: Int? = nil, body: String = "hello", extra: String = "") -> [UInt8] {
            func text(_ body: String) -> String {
                #"{"v":1,"type":"text","body":"\#(body)","sender_device":"\#(device.uuidString.lowercased())","sent_at":"\#(sentAt)"\#(extra)}"#
            }
            guard let bodyLength else { return Array(text(body).utf8) }
            let overhead = text("").utf8.count
            return Array(text(String(repeating: "x", count: bodyLength - overhead)).utf8)
        }

        struct Shape {
            var comment: String
            var oneTimePreKey = true
            var payload: (UUID) -> [UInt8]
            var valid = true
        }
        let other = SPKSignatureVectors.uuid(random)
        let shapes: [Shape] = [
            Shape(comment: "with a one-time pre-key", payload: { payloadJSON(device: $0) }),
            Shape(comment: "without a one-time pre-key", oneTimePreKey: false, payload: { payloadJSON(device: $0) }),
            Shape(comment: "a 127-byte payload: pads to 128", payload: { payloadJSON(device: $0, bodyLength: 127) }),
            Shape(
                comment: "a 128-byte payload: pads to 192", oneTimePreKey: false,
                payload: { payloadJSON(device: $0, bodyLength: 128) }),
            Shape(
                comment: "a reply, with non-ASCII text and an escaped quote",
                payload: {
                    payloadJSON(
                        device: $0, body: #"grüße, \"quoted\" ✓"#,
                        extra: #","reply_to":"\#(other.uuidString.lowercased())""#)
                }),
            Shape(
                comment: "an edit, with a field UEDM/1 does not know (ignored)",
                payload: {
                    payloadJSON(
                        device: $0, extra: #","edit_of":"\#(other.uuidString.lowercased())","x_client":{"n":1}"#)
                }),
            Shape(
                comment: "a type other than text is handed to the app, not refused",
                payload: {
                    Array(
                        #"{"v":1,"type":"sticker","body":"🦊","sender_device":"\#($0.uuidString.uppercased())","sent_at":"\#(sentAt)"}"#
                            .utf8)
                }),
            Shape(
                comment: "sender_device is another device than the wrap's: refused",
                payload: {
                    _ = $0
                    return payloadJSON(device: other)
                }, valid: false),
            Shape(
                comment: "payload version 2: refused",
                payload: {
                    Array(
                        #"{"v":2,"type":"text","body":"hi","sender_device":"\#($0.uuidString.lowercased())","sent_at":"\#(sentAt)"}"#
                            .utf8)
                }, valid: false),
            Shape(
                comment: "body missing: refused",
                payload: {
                    Array(
                        #"{"v":1,"type":"text","sender_device":"\#($0.uuidString.lowercased())","sent_at":"\#(sentAt)"}"#
                            .utf8)
                }, valid: false),
            Shape(
                comment: "body is not a string: refused",
                payload: {
                    Array(
                        #"{"v":1,"type":"text","body":7,"sender_device":"\#($0.uuidString.lowercased())","sent_at":"\#(sentAt)"}"#
                            .utf8)
                }, valid: false),
            Shape(
                comment: "reply_to is not a UUID: refused",
                payload: {
                    payloadJSON(device: $0, extra: #","reply_to":"not-a-uuid""#)
                }, valid: false),
            Shape(comment: "not JSON: refused", payload: { _ in Array("hello".utf8) }, valid: false),
        ]

        for shape in shapes {
            let keys = (0..<6).map { _ in X25519.PrivateKey.generate(using: random) }
            let (ikA, ekA, ratchetKey, ikB, spkB) = (keys[0], keys[1], keys[2], keys[3], keys[4])
            let opkB = shape.oneTimePreKey ? keys[5] : nil
            let alice = DeviceAddress(user: SPKSignatureVectors.uuid(random), device: SPKSignatureVectors.uuid(random))
            let bob = DeviceAddress(user: SPKSignatureVectors.uuid(random), device: SPKSignatureVectors.uuid(random))
            let channel = SPKSignatureVectors.uuid(random)
            let spkID = keyID(random)
            let opkID = opkB.map { _ in keyID(random) }
            let payload = shape.payload(alice.device)
            if shape.comment.hasPrefix("a 127") || shape.comment.hasPrefix("a 128") {
                guard payload.count == (shape.comment.hasPrefix("a 127") ? 127 : 128) else {
                    throw GeneratorError("payload is \(payload.count) bytes")
                }
            }
            let contentKey = SecureBytes(random: 32, using: random)
            let nonce = random.bytes(24)

            let sk = try X3DH.initiatorSecret(
                identity: ikA, ephemeral: ekA, peerIdentity: ikB.publicKey, peerSignedPreKey: spkB.publicKey,
                peerOneTimePreKey: opkB?.publicKey)
            let ad = X3DH.associatedData(
                initiatorIdentity: ikA.publicKey, responderIdentity: ikB.publicKey, initiator: alice, responder: bob)
            var ratchet = try DoubleRatchet.initiator(
                sharedSecret: sk, associatedData: ad, peerSignedPreKey: spkB.publicKey,
                using: ScriptedKeyPairs([ratchetKey]))
            let content = try ContentCipher.seal(
                payload: payload, contentKey: contentKey, nonce: nonce, channel: channel, author: alice.user)
            let wrap = try Envelope.wrap(
                contentKey: contentKey, content: content, senderDevice: alice.device,
                preKey: .init(
                    identityKey: ikA.publicKey, ephemeralKey: ekA.publicKey, signedPreKeyID: spkID,
                    oneTimePreKeyID: opkID),
                ratchet: &ratchet)
            guard wrap.encoded.count == KeyWrap.preKeyByteCount else { throw GeneratorError("wrap size") }

            // Bob opens it; the expectation must hold before the case is written.
            let opened = Result { () throws -> MessagePayload in
                let accepted = try Envelope.acceptPreKeyWrap(
                    KeyWrap(parsing: wrap.encoded), content: content, identity: ikB, signedPreKey: spkB,
                    oneTimePreKey: opkB, sender: alice.user, recipient: bob, using: RandomKeyPairs(random))
                return try Envelope.openPayload(
                    content: content, contentKey: accepted.contentKey, channel: channel, author: alice.user,
                    senderDevice: alice.device)
            }
            switch (opened, shape.valid) {
            case (.success, true), (.failure, false): break
            case (.success, false): throw GeneratorError("envelope opened: \(shape.comment)")
            case (.failure(let error), true): throw GeneratorError("envelope refused (\(error)): \(shape.comment)")
            }

            var fields: [String: JSONValue] = [
                "user_a": .uuid(alice.user), "device_a": .uuid(alice.device), "ik_a_private": .hex(ikA.secret),
                "ek_a_private": .hex(ekA.secret), "alice_ratchet_private": .hex(ratchetKey.secret),
                "user_b": .uuid(bob.user), "device_b": .uuid(bob.device), "ik_b_private": .hex(ikB.secret),
                "spk_b_id": .integer(Int64(spkID)), "spk_b_private": .hex(spkB.secret),
                "opk_b_id": opkID.map { .integer(Int64($0)) } ?? .null,
                "opk_b_private": opkB.map { .hex($0.secret) } ?? .null,
                "channel_id": .uuid(channel), "payload": .hex(payload), "content_key": .hex(contentKey),
                "content_nonce": .hex(nonce),
            ]
            if shape.valid {
                fields["content"] = .hex(content)
                fields["wrap"] = .hex(wrap.encoded)
            }
            file.add(shape.comment, valid: shape.valid, fields)
        }
        return file
    }

    /// A key id in 1...2^31 - 1 from the seeded source.
    private static func keyID(_ random: some RandomSource) -> UInt32 {
        random.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 0x7fff_ffff + 1
    }
}
