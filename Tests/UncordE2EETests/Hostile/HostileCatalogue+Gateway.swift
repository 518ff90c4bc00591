import Foundation
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension HostileCatalogue {
    /// Gateway frames, given to `E2EEEngine.process(frame:)`.
    static let gatewayCases: [HostileCase] = [
        .gateway("text that is not JSON", [.passthrough(isFrame: false)]) { _ in Array("hello?".utf8) },
        .gateway("malformed UTF-8", [.passthrough(isFrame: false)]) { _ in [0x7b, 0xff, 0xfe, 0x7d] },
        .gateway("JSON that is not an object", [.passthrough(isFrame: false)]) { _ in Array("[1,2,3]".utf8) },
        .gateway("op out of range (2^31)", [.passthrough(isFrame: false)]) { _ in
            Array(#"{"op":2147483648,"t":"DM_MESSAGE_CREATE"}"#.utf8)
        },
        .gateway("op given twice", [.passthrough(isFrame: false)]) { _ in Array(#"{"op":0,"op":0}"#.utf8) },
        .gateway("sequence number given as a fraction", [.passthrough(isFrame: false)]) { _ in
            Array(#"{"op":0,"s":1.5,"t":"DM_MESSAGE_CREATE","d":{}}"#.utf8)
        },
        .gateway("an unknown opcode", [.passthrough(isFrame: true)]) { _ in Array(#"{"op":42,"d":{"x":1}}"#.utf8) },
        .gateway("an unknown dispatch event", [.passthrough(isFrame: true)]) { _ in
            HostileFixture.dispatch("DM_MESSAGE_EXPLODE", #"{"id":"x"}"#)
        },
        .gateway("DM_MESSAGE_CREATE whose payload is not a message", [.passthrough(isFrame: true)]) { _ in
            HostileFixture.dispatch("DM_MESSAGE_CREATE", #"{"id":"not a uuid","content":7}"#)
        },
        .gateway("DM_MESSAGE_CREATE with malformed base64 in its key wrap", [.passthrough(isFrame: true)]) { f in
            let text = String(decoding: try HostileFixture.dispatch(.dmMessageCreate, f.pending), as: UTF8.self)
            let wrap = Base64.encode(f.pending.wrap)
            return Array(text.replacingOccurrences(of: wrap, with: "%%" + wrap.dropFirst(2)).utf8)
        },
        .gateway("DM_MESSAGE_CREATE with a tampered wrap", [.undecryptable(.authenticationFailed)]) { f in
            try HostileFixture.dispatch(.dmMessageCreate, f.withWrap(f.pending) { $0[$0.count - 1] ^= 0x80 })
        },
        .gateway("DM_MESSAGE_CREATE replaying a decrypted wrap under a new id", [.duplicate]) { f in
            try HostileFixture.dispatch(.dmMessageCreate, f.withWrap(f.received) { _ in })
        },
        .gateway("DM_MESSAGE_CREATE naming a consumed one-time pre-key", [.undecryptable(.unknownPreKey)]) { f in
            try HostileFixture.dispatch(
                .dmMessageCreate,
                f.withWrap(f.carolFirst) {
                    $0.replaceSubrange(49..<81, with: X25519.PrivateKey.generate(using: SystemRandom()).publicKey.bytes)
                })
        },
        .gateway("DM_MESSAGE_CREATE with a low-order ratchet key", [.undecryptable(.malformed)]) { f in
            try HostileFixture.dispatch(
                .dmMessageCreate, f.withWrap(f.pending) { WrapBytes.setRatchetKey(HostileKeys.orderEight, in: &$0) })
        },
        .gateway("DM_MESSAGE_CREATE for a message the server does not list", [.undecryptable(.noKeyForThisDevice)]) {
            f in
            var message = f.pending
            message.id = UUID()
            message.messageKeys = nil
            return try HostileFixture.dispatch(.dmMessageCreate, message)
        },
        .gateway("DM_MESSAGE_UPDATE with content of another message", [.undecryptable(.authenticationFailed)]) { f in
            var edit = f.message(id: f.received.id, content: f.carolFirst.content, wrap: f.pending.wrap)
            edit.editedAt = TestServer.timestamp
            return try HostileFixture.dispatch(.dmMessageUpdate, edit)
        },
        .gateway("DM_MESSAGE_UPDATE passing a new message off as an edit", [.undecryptable(.malformed)]) { f in
            var edit = f.message(id: f.received.id, content: f.pending.content, wrap: f.pending.wrap)
            edit.editedAt = TestServer.timestamp
            return try HostileFixture.dispatch(.dmMessageUpdate, edit)
        },
        .gateway("IDENTITY_KEY_CHANGED with a low-order key", [.passthrough(isFrame: true)]) { f in
            try HostileFixture.dispatch(
                .identityKeyChanged,
                IdentityKeyChanged(userID: f.alice.user, deviceID: f.alice.device, identityKey: HostileKeys.orderEight))
        },
        .gateway("IDENTITY_KEY_CHANGED with a non-canonical key (bit 255 set)", [.passthrough(isFrame: true)]) { f in
            let key = try f.alice.store.localIdentity().keyPair.publicKey.bytes
            return try HostileFixture.dispatch(
                .identityKeyChanged,
                IdentityKeyChanged(
                    userID: f.alice.user, deviceID: f.alice.device, identityKey: HostileKeys.highBitSet(key)))
        },
        .gateway("IDENTITY_KEY_CHANGED with u = p", [.passthrough(isFrame: true)]) { f in
            try HostileFixture.dispatch(
                .identityKeyChanged,
                IdentityKeyChanged(userID: f.carol.user, deviceID: f.carol.device, identityKey: HostileKeys.p))
        },
        .gateway("IDENTITY_KEY_CHANGED with a 31-byte key", [.passthrough(isFrame: true)]) { f in
            HostileFixture.dispatch(
                "IDENTITY_KEY_CHANGED",
                #"{"user_id":"\#(f.alice.user.uuidString)","device_id":"\#(f.alice.device.uuidString)","#
                    + #""identity_key":"\#(Base64.encode([UInt8](repeating: 9, count: 31)))"}"#)
        },
        .gateway("KEY_BUNDLE_LOW for another user's device", [.passthrough(isFrame: true)]) { f in
            try HostileFixture.dispatch(.keyBundleLow, KeyBundleLow(deviceID: f.alice.device, remaining: 0))
        },
        .gateway("DM_MESSAGE_DELETE without an id", [.passthrough(isFrame: true)]) { f in
            HostileFixture.dispatch("DM_MESSAGE_DELETE", #"{"channel_id":"\#(f.channel.uuidString)"}"#)
        },
    ]
}
