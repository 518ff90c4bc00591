import Foundation
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension HostileCatalogue {
    /// A device id no user has.
    static let strangerDevice = UUID(uuid: (0x5e, 0xed, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0x99))

    /// Messages as a server (or a sender) could deliver them, given to `SQLiteStore.receive`.
    static let receiveCases: [HostileCase] = wrapCases + headerCases + preKeyCases + contentCases + payloadCases

    /// Key wraps of the wrong shape.
    static let wrapCases: [HostileCase] = [
        .receive("empty key wrap", .malformed("an empty key wrap")) { f in
            f.withWrap(f.pending) { $0 = [] }
        },
        .receive("key wrap of unknown type 3", .malformed("unknown key wrap type 3")) { f in
            f.withWrap(f.pending) { $0[0] = 3 }
        },
        .receive("ratchet wrap truncated by one byte", .malformed("a type 1 key wrap is 138 bytes, got 137")) { f in
            f.withWrap(f.pending) { $0.removeLast() }
        },
        .receive("ratchet wrap extended by one byte", .malformed("a type 1 key wrap is 138 bytes, got 139")) { f in
            f.withWrap(f.pending) { $0.append(0) }
        },
        .receive("pre-key wrap truncated by one byte", .malformed("a type 2 key wrap is 210 bytes, got 209")) { f in
            f.withWrap(f.carolFirst) { $0.removeLast() }
        },
        .receive("pre-key wrap extended by 72 bytes", .malformed("a type 2 key wrap is 210 bytes, got 282")) { f in
            f.withWrap(f.carolFirst) { $0 += [UInt8](repeating: 0, count: 72) }
        },
        .receive("ratchet wrap relabelled as a pre-key wrap", .malformed("a type 2 key wrap is 210 bytes, got 138")) {
            f in f.withWrap(f.pending) { $0[0] = 2 }
        },
        .receive("one flipped bit in the wrap's ciphertext", .authenticationFailed(.messageTag)) { f in
            f.withWrap(f.pending) { $0[$0.count - 20] ^= 0x01 }
        },
        .receive("wrap addressed to another device only", .notAddressedToThisDevice) { f in
            f.message(content: f.pending.content, wrap: f.pending.wrap, recipient: .device(UUID()))
        },
    ]

    /// Ratchet headers: version bytes, numbers near the limits, hostile ratchet keys.
    static let headerCases: [HostileCase] = [
        .receive("header version byte 2", .malformed("unknown ratchet header version 2")) { f in
            f.withWrap(f.pending) { $0[17] = 2 }
        },
        .receive("header version byte 0", .malformed("unknown ratchet header version 0")) { f in
            f.withWrap(f.pending) { $0[17] = 0 }
        },
        .receive("message number 2^32 - 1 in the current chain", .tooManySkippedMessages) { f in
            f.withWrap(f.pending) { WrapBytes.setMessageNumber(.max, in: &$0) }
        },
        .receive("message number skipping 1001 keys, one past the limit", .tooManySkippedMessages) { f in
            f.withWrap(f.pending) { WrapBytes.setMessageNumber(WrapBytes.messageNumber($0) + 1001, in: &$0) }
        },
        .receive("message number skipping exactly 1000 keys, forged", .authenticationFailed(.messageTag)) { f in
            f.withWrap(f.pending) { WrapBytes.setMessageNumber(WrapBytes.messageNumber($0) + 1000, in: &$0) }
        },
        .receive("message number off by one", .authenticationFailed(.messageTag)) { f in
            f.withWrap(f.pending) { WrapBytes.setMessageNumber(WrapBytes.messageNumber($0) + 1, in: &$0) }
        },
        .receive("new ratchet key with a previous chain length of 2^32 - 2", .tooManySkippedMessages) { f in
            f.withWrap(f.pending) {
                WrapBytes.setRatchetKey(X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes, in: &$0)
                WrapBytes.setPreviousChainLength(.max - 1, in: &$0)
            }
        },
        .receive("new ratchet key with message number 2^32 - 1", .tooManySkippedMessages) { f in
            f.withWrap(f.pending) {
                WrapBytes.setRatchetKey(X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes, in: &$0)
                WrapBytes.setMessageNumber(.max, in: &$0)
            }
        },
        .receive("low-order ratchet key u = 0", .crypto(.lowOrderPoint)) { f in
            f.withWrap(f.pending) { WrapBytes.setRatchetKey(HostileKeys.zero, in: &$0) }
        },
        .receive("low-order ratchet key u = 1", .crypto(.lowOrderPoint)) { f in
            f.withWrap(f.pending) { WrapBytes.setRatchetKey(HostileKeys.one, in: &$0) }
        },
        .receive("ratchet key of order 8", .crypto(.lowOrderPoint)) { f in
            f.withWrap(f.pending) { WrapBytes.setRatchetKey(HostileKeys.orderEight, in: &$0) }
        },
        .receive("ratchet key u = p, a non-canonical zero", .crypto(.lowOrderPoint)) { f in
            f.withWrap(f.pending) { WrapBytes.setRatchetKey(HostileKeys.p, in: &$0) }
        },
        .receive("the sender's ratchet key with bit 255 set", .authenticationFailed(.messageTag)) { f in
            f.withWrap(f.pending) {
                WrapBytes.setRatchetKey(HostileKeys.highBitSet(WrapBytes.key($0, at: 18)), in: &$0)
            }
        },
    ]

    /// Pre-key wraps: replays, consumed and unknown pre-keys, hostile identity and base keys.
    static let preKeyCases: [HostileCase] = [
        .receiveCopy("replayed ratchet wrap under a new message id", of: \.received.id) { f in
            f.withWrap(f.received) { _ in }
        },
        .receiveCopy("replayed pre-key wrap under a new message id", of: \.carolFirst.id) { f in
            f.withWrap(f.carolFirst) { _ in }
        },
        .receive(
            "replayed pre-key wrap with a new base key: its one-time pre-key is consumed",
            { .unknownOneTimePreKey(id: $0.carolsOneTimePreKey) }
        ) { f in
            f.withWrap(f.carolFirst) {
                $0.replaceSubrange(49..<81, with: X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes)
            }
        },
        .receive(
            "a second sender handed the same one-time pre-key", { .unknownOneTimePreKey(id: $0.carolsOneTimePreKey) }
        ) { f in
            try await f.daveFirstMessage(replacingOneTimePreKey: f.carolsOneTimePreKey)
        },
        .receive("pre-key wrap naming an unknown signed pre-key", .unknownSignedPreKey(id: 0x7fff_ffff)) { f in
            f.withWrap(try await f.daveFirstMessage()) { WrapBytes.write(0x7fff_ffff, into: &$0, at: 81) }
        },
        .receive("pre-key wrap naming a one-time pre-key that never existed", .unknownOneTimePreKey(id: 0x7fff_fff0)) {
            f in
            f.withWrap(try await f.daveFirstMessage()) { WrapBytes.write(0x7fff_fff0, into: &$0, at: 85) }
        },
        .receive("pre-key wrap with a low-order identity key", .crypto(.lowOrderPoint)) { f in
            f.withWrap(try await f.daveFirstMessage()) { $0.replaceSubrange(17..<49, with: HostileKeys.zero) }
        },
        .receive("pre-key wrap with an identity key of order 8", .crypto(.lowOrderPoint)) { f in
            f.withWrap(try await f.daveFirstMessage()) { $0.replaceSubrange(17..<49, with: HostileKeys.orderEight) }
        },
        .receive("pre-key wrap with a low-order base key", .crypto(.lowOrderPoint)) { f in
            f.withWrap(try await f.daveFirstMessage()) { $0.replaceSubrange(49..<81, with: HostileKeys.one) }
        },
        .receive("pre-key wrap whose identity key has bit 255 set", .authenticationFailed(.messageTag)) { f in
            f.withWrap(try await f.daveFirstMessage()) {
                $0.replaceSubrange(17..<49, with: HostileKeys.highBitSet(WrapBytes.key($0, at: 17)))
            }
        },
        .receive("pre-key wrap stripped of its one-time pre-key", .authenticationFailed(.messageTag)) { f in
            f.withWrap(try await f.daveFirstMessage()) { WrapBytes.write(0, into: &$0, at: 85) }
        },
    ]

    /// Content: digests, channels, authors, sender devices, encodings, sizes.
    static let contentCases: [HostileCase] = [
        .receive("content of another message (digest mismatch)", .authenticationFailed(.contentDigest)) { f in
            f.message(content: f.received.content, wrap: f.pending.wrap)
        },
        .receive("payload naming another sender device", .authenticationFailed(.senderDeviceMismatch)) { f in
            try f.craftedByAlice(payload: try f.payloadJSON { $0["sender_device"] = UUID().uuidString })
        },
        .receive(
            "wrap naming a sender device with no session",
            { .noSession(DeviceAddress(user: $0.alice.user, device: strangerDevice)) }
        ) { f in
            f.withWrap(f.pending) { $0.replaceSubrange(1..<17, with: strangerDevice.rawBytes) }
        },
        .receive("delivered in another channel", .authenticationFailed(.contentTag)) { f in
            f.message(content: f.pending.content, wrap: f.pending.wrap, channel: f.carolChannel)
        },
        .receive(
            "attributed to another author", { .noSession(DeviceAddress(user: $0.carol.user, device: $0.alice.device)) }
        ) { f in
            f.message(content: f.pending.content, wrap: f.pending.wrap, author: f.carol.user)
        },
        .receive("attributed to this device itself", .malformed("a key wrap from this device itself")) { f in
            f.withWrap(f.pending) { $0.replaceSubrange(1..<17, with: f.bobAddress.device.rawBytes) }
                .withAuthor(f.bobAddress.user)
        },
        .receive("content above 4000 characters, authentic", { .malformed(oversizedContentText($0)) }) { f in
            try f.craftedByAlice(padded: try Padding.pad(try f.oversizedPayload()).exportBytes())
        },
        .receive("content that is not base64", .malformed("the content is not base64")) { f in
            f.message(content: "not base64!", wrap: f.pending.wrap)
        },
        .receive("content in URL-safe base64", .malformed("the content is not base64")) { f in
            f.message(
                content: f.pending.content.replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                    of: "/", with: "_") + "-_", wrap: f.pending.wrap)
        },
        .receive("content version byte 2", .malformed("unknown content version 2")) { f in
            try f.craftedByAlice(padded: try Padding.pad(Array("{}".utf8)).exportBytes(), version: 2)
        },
        .receive("content below the minimum size", .malformed("content is 57 bytes, below 105")) { f in
            try f.craftedByAlice(padded: [UInt8](repeating: 0, count: 16))
        },
        .receive("content padding without its 0x80 marker", .malformed("content padding")) { f in
            try f.craftedByAlice(padded: [UInt8](repeating: 0, count: 64))
        },
    ]

    /// Decrypted payloads that are not valid UEDM/1 payloads.
    static let payloadCases: [HostileCase] = [
        .receive("payload that is not JSON", .invalidPayload(field: "", reason: "")) { f in
            try f.craftedByAlice(payload: Array("not json".utf8))
        },
        .receive("payload version 2", .invalidPayload(field: "v", reason: "")) { f in
            try f.craftedByAlice(payload: try f.payloadJSON { $0["v"] = 2 })
        },
        .receive("payload without a body", .invalidPayload(field: "body", reason: "")) { f in
            try f.craftedByAlice(payload: try f.payloadJSON { $0["body"] = nil })
        },
        .receive("payload whose sender_device is not a UUID", .invalidPayload(field: "sender_device", reason: "")) {
            f in try f.craftedByAlice(payload: try f.payloadJSON { $0["sender_device"] = "alice's laptop" })
        },
        .receive("payload whose body is a number", .invalidPayload(field: "body", reason: "")) { f in
            try f.craftedByAlice(payload: try f.payloadJSON { $0["body"] = 42 })
        },
    ]
}

extension HostileCatalogue {
    /// The refusal of ``HostileFixture/oversizedPayload()`` as content: 1 + 24 + its padded size + 16 bytes.
    static func oversizedContentText(_ fixture: HostileFixture) -> String {
        let payload = (try? fixture.oversizedPayload().count) ?? 0
        let bytes = 41 + (payload / 64 + 1) * 64
        return "content is \(bytes) bytes (\((bytes * 4 + 2) / 3) characters), above 4000"
    }
}

extension Message {
    /// The message attributed to another author.
    func withAuthor(_ user: UUID) -> Message {
        var message = self
        message.author.id = user
        return message
    }
}
