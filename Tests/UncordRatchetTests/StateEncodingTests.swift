import Foundation
import Testing
import UncordCrypto

@testable import UncordRatchet

@Suite("State encoding")
struct StateEncodingTests {
    @Test("A ratchet saved mid-conversation, skipped keys included, reloads equal and keeps working")
    func roundTrip() throws {
        let random = DeterministicRandom(seed: 21)
        let keys = RandomKeyPairs(random)
        let sk = SecureBytes(random: 32, using: random)
        let ad = random.bytes(X3DH.associatedDataByteCount)
        let spk = X25519.PrivateKey.generate(using: random)
        var alice = try DoubleRatchet.initiator(
            sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk.publicKey, using: keys)
        var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk)
        let messages = try (0..<6).map { try alice.encrypt([UInt8($0)]) }
        _ = try bob.decrypt(messages[4], using: keys)  // skips 0...3

        let reloaded = try DoubleRatchet(encodedState: bob.encodedState(), skippedKeys: bob.skippedKeys)
        #expect(reloaded == bob)
        #expect(reloaded.skippedKeys.map(\.messageNumber) == [0, 1, 2, 3])
        var copy = reloaded
        #expect(try copy.decrypt(messages[2], using: keys).exportBytes() == [2])
        #expect(try copy.decrypt(messages[5], using: keys).exportBytes() == [5])
        let reply = try copy.encrypt([9])
        #expect(try alice.decrypt(reply, using: keys).exportBytes() == [9])

        let responderFresh = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk)
        #expect(try DoubleRatchet(encodedState: responderFresh.encodedState(), skippedKeys: []) == responderFresh)
    }

    @Test("A session with pending pre-key fields round trips")
    func sessionRoundTrip() throws {
        let random = DeterministicRandom(seed: 22)
        let keys = RandomKeyPairs(random)
        let spk = X25519.PrivateKey.generate(using: random)
        let ratchet = try DoubleRatchet.initiator(
            sharedSecret: SecureBytes(random: 32, using: random), associatedData: [1, 2, 3],
            peerSignedPreKey: spk.publicKey,
            using: keys)
        let identity = X25519.PrivateKey.generate(using: random).publicKey
        let base = X25519.PrivateKey.generate(using: random).publicKey
        for pending in [
            nil, KeyWrap.PreKeyFields(identityKey: identity, ephemeralKey: base, signedPreKeyID: 7, oneTimePreKeyID: 9),
        ] {
            let session = Session(
                ratchet: ratchet, peerIdentity: identity, baseKey: base, initiatedLocally: true, pendingPreKey: pending)
            #expect(try Session(encodedState: session.encodedState(), skippedKeys: []) == session)
        }
    }

    @Test("Truncated, extended or foreign bytes are malformed, never a trap")
    func badBytes() throws {
        let random = DeterministicRandom(seed: 23)
        let spk = X25519.PrivateKey.generate(using: random)
        let state = DoubleRatchet.responder(
            sharedSecret: SecureBytes(random: 32, using: random), associatedData: [7], signedPreKey: spk)
        let bytes = state.encodedState().exportBytes()
        for cut in [0, 1, 5, bytes.count / 2, bytes.count - 1] {
            #expect(throws: RatchetError.self) {
                try DoubleRatchet(encodedState: SecureBytes(copying: Array(bytes.prefix(cut))), skippedKeys: [])
            }
        }
        #expect(throws: RatchetError.self) {
            try DoubleRatchet(encodedState: SecureBytes(copying: bytes + [0]), skippedKeys: [])
        }
        var wrongVersion = bytes
        wrongVersion[0] = 9
        #expect(throws: RatchetError.self) {
            try DoubleRatchet(encodedState: SecureBytes(copying: wrongVersion), skippedKeys: [])
        }
        for _ in 0..<200 {
            let garbage = random.bytes(Int(random.bytes(1)[0]))
            _ = try? Session(encodedState: SecureBytes(copying: garbage), skippedKeys: [])
        }
    }
}
