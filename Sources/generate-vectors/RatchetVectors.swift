import UncordConformance
import UncordCrypto
import UncordRatchet

/// Scripted conversations run through this package's Double Ratchet; each expectation (success or failure) is
/// checked as the file is written.
enum RatchetVectors {
    enum Side: String { case alice, bob }
    enum Tamper: String { case header, ciphertext, ad }
    enum Step {
        case send(Side)
        case receive(Side, Int)
        case tampered(Side, Int, Tamper)
        case refused(Side, Int)  // a replay, or a skip past the limit
    }

    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "ratchet",
            source: "This package's Double Ratchet (PROTOCOL.md section 4). Vectors/check reproduces every header and "
                + "ciphertext with the doubleratchet package configured as UEDM/1 and with an independent Python one.")
        let random = DeterministicRandom(seed: Array("ratchet vectors".utf8))
        func conversation(_ comment: String, _ steps: [Step]) throws {
            try file.add(comment, run(steps, random: random))
        }

        try conversation(
            "in order, both directions, with a DH step at every turn",
            [
                .send(.alice), .send(.alice), .receive(.bob, 0), .receive(.bob, 1),
                .send(.bob), .receive(.alice, 2), .send(.alice), .receive(.bob, 3),
                .send(.bob), .send(.bob), .receive(.alice, 4), .receive(.alice, 5), .refused(.alice, 5),
            ])
        try conversation(
            "out of order within one chain, then a replay of a skipped message",
            [
                .send(.alice), .send(.alice), .send(.alice), .send(.alice), .send(.alice),
                .receive(.bob, 3), .receive(.bob, 1), .receive(.bob, 4), .receive(.bob, 0), .receive(.bob, 2),
                .refused(.bob, 1), .send(.bob), .receive(.alice, 5),
            ])
        try conversation(
            "late messages from earlier chains, after several DH steps",
            [
                .send(.alice), .send(.alice), .send(.alice), .receive(.bob, 0),
                .send(.bob), .send(.bob), .receive(.alice, 3),
                .send(.alice), .send(.alice), .receive(.bob, 5),
                .send(.bob), .receive(.alice, 7),
                .send(.alice), .receive(.bob, 8),
                .receive(.bob, 2), .receive(.alice, 4), .receive(.bob, 6), .receive(.bob, 1),
                .refused(.bob, 2), .refused(.alice, 4),
            ])
        try conversation(
            "tampered header, ciphertext and ad, each followed by the genuine message",
            [
                .send(.alice), .send(.alice),
                .tampered(.bob, 0, .header), .tampered(.bob, 0, .ciphertext), .tampered(.bob, 0, .ad),
                .receive(.bob, 0),
                .send(.bob), .tampered(.alice, 2, .ciphertext), .tampered(.alice, 2, .header), .receive(.alice, 2),
                .tampered(.bob, 1, .ad), .tampered(.bob, 1, .header), .receive(.bob, 1),
                .send(.alice), .tampered(.bob, 3, .ad), .receive(.bob, 3),
            ])
        try conversation(
            "simultaneous sends, crossing in flight",
            [
                .send(.alice), .receive(.bob, 0), .send(.bob), .send(.alice),
                .receive(.alice, 1), .receive(.bob, 2), .send(.alice), .send(.bob), .receive(.bob, 3),
                .receive(.alice, 4),
            ])
        // The skip limit: 1000 keys may be skipped in one chain, not 1001.
        var limit: [Step] = Array(repeating: .send(.alice), count: 1002)
        limit += [
            .refused(.bob, 1001), .receive(.bob, 1000), .receive(.bob, 1001), .receive(.bob, 0), .receive(.bob, 999),
        ]
        try conversation(
            "the skip limit: message 1001 first would skip 1001 keys and is refused; message 1000 skips exactly 1000",
            limit)
        // The old-chain limit: after a DH step, the rest of the previous chain (up to PN) may be skipped by at most
        // 1000 keys, counted on its own.
        var oldChain: [Step] = [.send(.alice), .receive(.bob, 0), .send(.bob)]  // messages 0 and 1
        oldChain += Array(repeating: .send(.alice), count: 1001)  // messages 2...1002, still Alice's first chain
        oldChain += [.receive(.alice, 1), .send(.alice)]  // message 1003 opens Alice's second chain, PN = 1002
        oldChain += [.refused(.bob, 1003), .receive(.bob, 1002), .receive(.bob, 1003), .receive(.bob, 2)]
        try conversation(
            "the old-chain limit: PN would skip 1001 keys of the previous chain and is refused; after message 1002 it skips none",
            oldChain)
        // Eviction: 2000 skipped keys are kept per session; the 2001st evicts the oldest.
        var eviction: [Step] = Array(repeating: .send(.alice), count: 1001)  // 0...1000
        eviction += [.receive(.bob, 1000), .send(.bob), .receive(.alice, 1001)]  // 1000 keys stored
        eviction += Array(repeating: .send(.alice), count: 1001)  // 1002...2002
        eviction += [.receive(.bob, 2002), .send(.bob), .receive(.alice, 2003)]  // 2000 keys stored
        eviction += [.send(.alice), .send(.alice)]  // 2004, 2005
        eviction += [
            .receive(.bob, 2005), .refused(.bob, 0), .receive(.bob, 1), .receive(.bob, 2004), .receive(.bob, 1500),
        ]
        try conversation(
            "eviction: the 2001st skipped key evicts the oldest (message 0), the rest still decrypt", eviction)
        return file
    }

    /// Checks that a receive fails for a reason of its own, not for want of a key pair (the copy draws from an
    /// empty source, so a message that authenticated and needed a DH step would surface as keySourceExhausted).
    private static func mustFail(_ ratchet: inout DoubleRatchet, _ message: RatchetMessage, _ what: String) throws {
        do {
            _ = try ratchet.decrypt(message, using: ScriptedKeyPairs([]))
            throw GeneratorError("\(what) decrypted")
        } catch RatchetError.keySourceExhausted {
            throw GeneratorError("\(what) authenticated")
        } catch is RatchetError {}
    }

    /// Runs `steps` through two ratchets and returns the case fields.
    private static func run(_ steps: [Step], random: some RandomSource) throws -> [String: JSONValue] {
        let sk = SecureBytes(random: 32, using: random)
        let ad = random.bytes(X3DH.associatedDataByteCount)
        let spk = X25519.PrivateKey.generate(using: random)
        let alicePrivates = (0..<8).map { _ in X25519.PrivateKey.generate(using: random) }
        let bobPrivates = (0..<8).map { _ in X25519.PrivateKey.generate(using: random) }
        let aliceKeys = ScriptedKeyPairs(alicePrivates)
        let bobKeys = ScriptedKeyPairs(bobPrivates)
        var alice = try DoubleRatchet.initiator(
            sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk.publicKey, using: aliceKeys)
        var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk)
        var sent: [(RatchetMessage, [UInt8])] = []
        var events: [JSONValue] = []

        for step in steps {
            switch step {
            case .send(let side):
                let plaintext = random.bytes(sent.count < 20 ? 1 + sent.count * 7 : 1)
                let message = side == .alice ? try alice.encrypt(plaintext) : try bob.encrypt(plaintext)
                sent.append((message, plaintext))
                events.append(
                    .object([
                        "send": .string(side.rawValue), "plaintext": .hex(plaintext),
                        "header": .hex(message.header.encoded),
                        "ciphertext": .hex(message.ciphertext),
                    ]))
            case .receive(let side, let number):
                let (message, plaintext) = sent[number]
                let opened =
                    side == .alice
                    ? try alice.decrypt(message, using: aliceKeys) : try bob.decrypt(message, using: bobKeys)
                guard opened.exportBytes() == plaintext else { throw GeneratorError("ratchet decrypted other bytes") }
                events.append(.object(["receive": .string(side.rawValue), "message": .integer(Int64(number))]))
            case .tampered(let side, let number, let tamper):
                var (message, _) = sent[number]
                var ratchet = side == .alice ? alice : bob
                switch tamper {
                case .header:
                    var header = message.header.encoded
                    header[40] ^= 0x01
                    message.header = try RatchetHeader(parsing: header)
                case .ciphertext: message.ciphertext[message.ciphertext.count - 1] ^= 0x01
                case .ad: ratchet.associatedData[ratchet.associatedData.count - 1] ^= 0x01
                }
                try mustFail(&ratchet, message, "a tampered \(tamper)")
                events.append(
                    .object([
                        "receive": .string(side.rawValue), "message": .integer(Int64(number)),
                        "tamper": .string(tamper.rawValue),
                        "result": .string("invalid"),
                    ]))
            case .refused(let side, let number):
                var ratchet = side == .alice ? alice : bob
                try mustFail(&ratchet, sent[number].0, "message \(number)")
                events.append(
                    .object([
                        "receive": .string(side.rawValue), "message": .integer(Int64(number)),
                        "result": .string("invalid"),
                    ]))
            }
        }
        return [
            "sk": .hex(sk), "ad": .hex(ad), "bob_spk_private": .hex(spk.secret),
            "alice_ratchet_privates": .array(alicePrivates.map { .hex($0.secret) }),
            "bob_ratchet_privates": .array(bobPrivates.map { .hex($0.secret) }),
            "events": .array(events),
        ]
    }
}
