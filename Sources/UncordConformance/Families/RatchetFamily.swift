import UncordCrypto
import UncordRatchet

/// `ratchet`: a scripted conversation between Alice (the initiator) and Bob. Each side draws its DH ratchet keys
/// from its list; sends must reproduce `header` and `ciphertext`; receives must decrypt, or fail and change nothing.
enum RatchetFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let sk = SecureBytes(copying: try vector.hex("sk"))
        let ad = try vector.hex("ad")
        let spk = try vector.privateKey("bob_spk_private")
        let aliceKeys = ScriptedKeyPairs(try vector.privateKeys("alice_ratchet_privates"))
        let bobKeys = ScriptedKeyPairs(try vector.privateKeys("bob_ratchet_privates"))
        guard case .array(let events) = vector.fields["events"] else { throw VectorFailure("events must be a list") }

        var alice: DoubleRatchet
        do {
            alice = try DoubleRatchet.initiator(
                sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk.publicKey, using: aliceKeys)
        } catch { throw VectorFailure("initialising Alice: \(error)") }
        var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk)
        var sent: [(message: RatchetMessage, plaintext: [UInt8])] = []

        for (position, event) in events.enumerated() {
            guard case .object(let fields) = event else { throw VectorFailure("event \(position) is not an object") }
            let step = VectorCase(fields: fields)
            let label = "event \(position)"
            if let side = try step.optionalString("send") {
                let plaintext = try step.hex("plaintext")
                let message: RatchetMessage
                do {
                    message = side == "alice" ? try alice.encrypt(plaintext) : try bob.encrypt(plaintext)
                } catch { throw VectorFailure("\(label): \(side) could not send: \(error)") }
                try step.expect("header", equals: message.header.encoded, label: label)
                try step.expect("ciphertext", equals: message.ciphertext, label: label)
                sent.append((message, plaintext))
            } else if let side = try step.optionalString("receive") {
                let number = try step.integer("message")
                guard let index = Int(exactly: number), sent.indices.contains(index) else {
                    throw VectorFailure("\(label): no message \(number) was sent before it")
                }
                let keys = side == "alice" ? aliceKeys : bobKeys
                if side == "alice" {
                    try receive(sent[index], step: step, label: label, ratchet: &alice, keys: keys, ad: ad)
                } else {
                    try receive(sent[index], step: step, label: label, ratchet: &bob, keys: keys, ad: ad)
                }
            } else {
                throw VectorFailure("\(label) is neither a send nor a receive")
            }
        }
    }

    private static func receive(
        _ sent: (message: RatchetMessage, plaintext: [UInt8]), step: VectorCase, label: String,
        ratchet: inout DoubleRatchet, keys: ScriptedKeyPairs, ad: [UInt8]
    ) throws(VectorFailure) {
        var message = sent.message
        let tamper = try step.optionalString("tamper")
        switch tamper {
        case nil: break
        case "header":
            var header = message.header.encoded
            header[header.count - 1] ^= 0x01
            do { message.header = try RatchetHeader(parsing: header) } catch {
                throw VectorFailure("\(label): tampered header does not parse: \(error)")
            }
        case "ciphertext": message.ciphertext[message.ciphertext.count - 1] ^= 0x01
        case "ad":
            var tampered = ad
            tampered[tampered.count - 1] ^= 0x01
            ratchet.associatedData = tampered
        default: throw VectorFailure("\(label): unknown tamper \(tamper ?? "")")
        }
        defer { ratchet.associatedData = ad }

        let keysBefore = keys.remaining
        let skippedBefore = ratchet.storedSkippedKeyCount
        if try step.expectsValid() {
            do {
                let plaintext = try ratchet.decrypt(message, using: keys)
                guard plaintext.exportBytes() == sent.plaintext else {
                    throw VectorFailure("\(label): decrypted to other bytes")
                }
            } catch let failure as VectorFailure {
                throw failure
            } catch {
                throw VectorFailure("\(label): expected to decrypt, got \(error)")
            }
        } else {
            do {
                _ = try ratchet.decrypt(message, using: keys)
                throw VectorFailure("\(label): expected the receive to fail, but it decrypted")
            } catch let failure as VectorFailure {
                throw failure
            } catch {
                guard keys.remaining == keysBefore, ratchet.storedSkippedKeyCount == skippedBefore else {
                    throw VectorFailure("\(label): a failed receive changed the state")
                }
            }
        }
    }
}

extension VectorCase {
    /// Compares an expected hex field of a ratchet event.
    func expect(_ key: String, equals actual: [UInt8], label: String) throws(VectorFailure) {
        do { try expect(key, equals: actual) } catch { throw VectorFailure("\(label): \(error.reason)") }
    }
}
