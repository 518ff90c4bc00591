import Foundation
import Testing
import UncordCrypto
import UncordTestSupport

@testable import UncordRatchet

/// The receiving step that opens a message before its plaintext is accepted (``RatchetKDF/step(_:writingNextTo:
/// opening:)``, Docs/PERFORMANCE.md) derives exactly what the plain chain step does, and a receive whose `accept`
/// throws still changes nothing.
@Suite("Receiving chain steps")
struct ReceiveStepTests {
    @Test("The key, nonce and next chain key equal KDF_CK and the message-key HKDF's, for random chain keys")
    func equalsPlainStep() throws {
        let random = DeterministicRandom.seeded("ReceiveStepTests.equalsPlainStep").random
        for _ in 0..<200 {
            let chainKey = SecureBytes(random: 32, using: random)
            let (plainNext, messageKey) = RatchetKDF.chain(chainKey)
            let plainKeyAndNonce = try RatchetKDF.withMessageKeys(messageKey) { Array($0) }

            var next = [UInt8](repeating: 0, count: 32)
            var seen: [UInt8] = []
            let opened = try next.withUnsafeMutableBytes { (out) throws(RatchetError) -> SecureBytes in
                try RatchetKDF.step(chainKey, writingNextTo: out) { (keyAndNonce) throws(RatchetError) -> SecureBytes in
                    seen = Array(keyAndNonce)
                    return SecureBytes(copying: [UInt8](repeating: 9, count: 3))
                }
            }
            #expect(seen == plainKeyAndNonce)
            #expect(next == plainNext.exportBytes())
            #expect(opened.exportBytes() == [9, 9, 9])

            // The in-place step of a send derives the same.
            var inPlace = chainKey
            let sent = try RatchetKDF.step(&inPlace) { (keyAndNonce) throws(RatchetError) in Array(keyAndNonce) }
            #expect(sent == plainKeyAndNonce)
            #expect(inPlace == plainNext)
        }
    }

    @Test("A failed open writes no next chain key; a next key of another length is refused")
    func failures() throws {
        let random = DeterministicRandom(seed: 23)
        let chainKey = SecureBytes(random: 32, using: random)
        var next = [UInt8](repeating: 0, count: 32)
        #expect(throws: RatchetError.authenticationFailed(.messageTag)) {
            _ = try next.withUnsafeMutableBytes { (out) throws(RatchetError) -> SecureBytes in
                try RatchetKDF.step(chainKey, writingNextTo: out) { (_) throws(RatchetError) -> SecureBytes in
                    throw .authenticationFailed(.messageTag)
                }
            }
        }
        #expect(next.allSatisfy { $0 == 0 })

        var short = [UInt8](repeating: 0, count: 16)
        #expect(throws: RatchetError.self) {
            _ = try short.withUnsafeMutableBytes { (out) throws(RatchetError) -> SecureBytes in
                try RatchetKDF.step(chainKey, writingNextTo: out) { (_) throws(RatchetError) -> SecureBytes in
                    SecureBytes(count: 0) { _ in }
                }
            }
        }
    }

    @Test("An in-order receive whose accept throws changes nothing; the message then decrypts as before")
    func refusedAccept() throws {
        let random = DeterministicRandom.seeded("ReceiveStepTests.refusedAccept").random
        let sk = SecureBytes(random: 32, using: random)
        let ad = random.bytes(X3DH.associatedDataByteCount)
        let spk = X25519.PrivateKey.generate(using: random)
        let keys = RandomKeyPairs(random)
        var alice = try DoubleRatchet.initiator(
            sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk.publicKey, using: keys)
        var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk)
        _ = try bob.decrypt(try alice.encrypt(Array("first".utf8)), using: keys)

        for index in 0..<20 {
            let plaintext = Array("message \(index)".utf8)
            let message = try alice.encrypt(plaintext)
            let before = bob
            #expect(throws: RatchetError.authenticationFailed(.contentDigest)) {
                try bob.decrypt(message, using: keys) { (_) throws(RatchetError) -> Int in
                    throw .authenticationFailed(.contentDigest)
                }
            }
            #expect(bob == before)
            let count = try bob.decrypt(message, using: keys) { (opened) throws(RatchetError) -> Int in
                #expect(opened.exportBytes() == plaintext)
                return opened.count
            }
            #expect(count == plaintext.count)
            #expect(bob != before)
        }
    }
}
