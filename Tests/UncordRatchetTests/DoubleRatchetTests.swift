import Foundation
import Testing
import UncordCrypto

@testable import UncordRatchet

/// Behaviour the vectors cannot show: storage bounds, eviction, and that failures leave state alone.
@Suite("Double Ratchet")
struct DoubleRatchetTests {
    struct Pair {
        var alice: DoubleRatchet
        var bob: DoubleRatchet
        let keys = RandomKeyPairs(DeterministicRandom(seed: 7))
    }

    func makePair(seed: UInt64 = 1) throws -> Pair {
        let random = DeterministicRandom(seed: seed)
        let sk = SecureBytes(random: 32, using: random)
        let ad = random.bytes(X3DH.associatedDataByteCount)
        let spk = X25519.PrivateKey.generate(using: random)
        let alice = try DoubleRatchet.initiator(
            sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk.publicKey, using: RandomKeyPairs(random))
        return Pair(alice: alice, bob: .responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk))
    }

    @Test("A responder cannot send before its first receive")
    func responderWaits() throws {
        var pair = try makePair()
        #expect(!pair.bob.canSend)
        #expect(throws: RatchetError.sendingChainMissing) { try pair.bob.encrypt([1]) }
        let message = try pair.alice.encrypt([1, 2, 3])
        #expect(try pair.bob.decrypt(message, using: pair.keys).exportBytes() == [1, 2, 3])
        #expect(pair.bob.canSend)
    }

    @Test("Skipped keys are capped at 2000 per session, the oldest evicted first")
    func skippedKeyCap() throws {
        var pair = try makePair()
        var messages: [RatchetMessage] = []
        // Three chains of 1001 messages; Bob reads only the last of each, skipping 1000 each time.
        for _ in 0..<3 {
            messages = []
            for _ in 0...1000 { messages.append(try pair.alice.encrypt([0])) }
            _ = try pair.bob.decrypt(messages[1000], using: pair.keys)
            let reply = try pair.bob.encrypt([1])
            _ = try pair.alice.decrypt(reply, using: pair.keys)
        }
        #expect(pair.bob.storedSkippedKeyCount == DoubleRatchet.maximumStoredSkippedKeys)
        // The newest chain's skipped keys survive; the first chain's were evicted.
        #expect(try pair.bob.decrypt(messages[0], using: pair.keys).exportBytes() == [0])
    }

    @Test("A header that would skip 1001 keys fails and changes nothing")
    func skipLimit() throws {
        var pair = try makePair()
        var messages: [RatchetMessage] = []
        for _ in 0...1001 { messages.append(try pair.alice.encrypt([9])) }
        #expect(throws: RatchetError.tooManySkippedMessages) { try pair.bob.decrypt(messages[1001], using: pair.keys) }
        #expect(pair.bob.storedSkippedKeyCount == 0)
        #expect(!pair.bob.canSend)
        _ = try pair.bob.decrypt(messages[1000], using: pair.keys)
        #expect(pair.bob.storedSkippedKeyCount == 1000)
    }

    @Test("A failed receive draws no key pair")
    func failureDrawsNothing() throws {
        var pair = try makePair()
        var message = try pair.alice.encrypt([5])
        message.ciphertext[0] ^= 1
        let keys = ScriptedKeyPairs([X25519.PrivateKey.generate(using: DeterministicRandom(seed: 9))])
        #expect(throws: RatchetError.authenticationFailed(.messageTag)) { try pair.bob.decrypt(message, using: keys) }
        #expect(keys.remaining == 1)
        message.ciphertext[0] ^= 1
        _ = try pair.bob.decrypt(message, using: keys)
        #expect(keys.remaining == 0)
    }

    @Test("Replays fail as duplicates")
    func replay() throws {
        var pair = try makePair()
        let first = try pair.alice.encrypt([1])
        let second = try pair.alice.encrypt([2])
        _ = try pair.bob.decrypt(first, using: pair.keys)
        _ = try pair.bob.decrypt(second, using: pair.keys)
        #expect(throws: RatchetError.duplicateMessage) { try pair.bob.decrypt(first, using: pair.keys) }
    }

    @Test("Headers and wraps of the wrong size or version are malformed, never a trap")
    func malformedEncodings() throws {
        for bytes in [[UInt8](), [0x01], [UInt8](repeating: 1, count: 40), [0x02] + [UInt8](repeating: 0, count: 40)] {
            #expect(throws: RatchetError.self) { try RatchetHeader(parsing: bytes) }
        }
        for count in [0, 1, 137, 139, 209, 211] {
            #expect(throws: RatchetError.self) {
                try KeyWrap(parsing: [0x01] + [UInt8](repeating: 0, count: max(0, count - 1)))
            }
            #expect(throws: RatchetError.self) {
                try KeyWrap(parsing: [0x02] + [UInt8](repeating: 0, count: max(0, count - 1)))
            }
        }
        #expect(throws: RatchetError.self) { try KeyWrap(parsing: [0x03] + [UInt8](repeating: 0, count: 137)) }
    }

    @Test("Content that would pass 4000 characters is refused before encryption")
    func contentLimit() throws {
        let key = SecureBytes(random: 32, using: DeterministicRandom(seed: 3))
        let id = DeviceAddress(user: .init(), device: .init())
        let fits = (0...4000).last { ContentCipher.contentCharacters(forPayloadOf: $0) <= 4000 } ?? 0
        _ = try ContentCipher.seal(
            payload: [UInt8](repeating: 0x41, count: fits), contentKey: key, nonce: [UInt8](repeating: 0, count: 24),
            channel: id.user, author: id.device)
        #expect(
            throws: RatchetError.messageTooLong(characters: ContentCipher.contentCharacters(forPayloadOf: fits + 64))
        ) {
            try ContentCipher.seal(
                payload: [UInt8](repeating: 0x41, count: fits + 64), contentKey: key,
                nonce: [UInt8](repeating: 0, count: 24),
                channel: id.user, author: id.device)
        }
    }

    @Test("Safety numbers format as 12 groups of 5 and parse back")
    func safetyNumberFormat() throws {
        let random = DeterministicRandom(seed: 11)
        let a = X25519.PrivateKey.generate(using: random).publicKey
        let b = X25519.PrivateKey.generate(using: random).publicKey
        let number = try SafetyNumber(user: .init(), identityKeys: [a], peer: .init(), peerIdentityKeys: [b])
        #expect(number.formatted.split(separator: " ").count == 12)
        #expect(SafetyNumber(digits: number.formatted) == number)
        #expect(number.scannableText == "UEDM1-SN:" + number.digits)
        #expect(SafetyNumber(digits: "123") == nil)
        #expect(throws: RatchetError.self) { try SafetyNumber.fingerprint(user: .init(), identityKeys: []) }
    }
}

extension DoubleRatchetTests {
    @Test("A plaintext the caller refuses (a digest mismatch) fails like a bad tag: no state change, no key drawn")
    func refusedPlaintextDrawsNothing() throws {
        var pair = try makePair()
        let message = try pair.alice.encrypt([5])
        let keys = ScriptedKeyPairs([X25519.PrivateKey.generate(using: DeterministicRandom(seed: 9))])
        let before = pair.bob
        #expect(throws: RatchetError.authenticationFailed(.contentDigest)) {
            try pair.bob.decrypt(message, using: keys) { (_) throws(RatchetError) -> Int in
                throw .authenticationFailed(.contentDigest)
            }
        }
        #expect(keys.remaining == 1)
        #expect(pair.bob == before)
        #expect(try pair.bob.decrypt(message, using: keys).exportBytes() == [5])
    }
}
