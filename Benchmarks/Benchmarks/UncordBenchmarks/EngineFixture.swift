import Foundation
import UncordCrypto
import UncordRatchet

/// The keys of one session, Alice (initiator) and Bob (responder, publishing one bundle), made once before any
/// measurement, and the engine steps the engine benchmarks time.
struct EngineFixture {
    static let signedPreKeyID: UInt32 = 1

    let random = SystemRandom()
    let alice = DeviceAddress(user: UUID(), device: UUID())
    let bob = DeviceAddress(user: UUID(), device: UUID())
    let aliceIdentity: X25519.PrivateKey
    let bobIdentity: X25519.PrivateKey
    let signedPreKey: X25519.PrivateKey
    let oneTimePreKey: X25519.PrivateKey
    let signature: [UInt8]
    /// The 256-byte payload every benchmark message carries.
    let payload: [UInt8]

    init() throws {
        aliceIdentity = .generate(using: random)
        bobIdentity = .generate(using: random)
        signedPreKey = .generate(using: random)
        oneTimePreKey = .generate(using: random)
        signature = try SignedPreKeySignature.sign(
            deviceID: bob.device, keyID: Self.signedPreKeyID, signedPreKey: signedPreKey.publicKey,
            identityKey: bobIdentity, using: random)
        payload = random.bytes(256)
    }

    /// The bytes Bob's signed pre-key signature covers (61 bytes).
    var signedMessage: [UInt8] {
        SignedPreKeySignature.message(
            deviceID: bob.device, keyID: Self.signedPreKeyID, signedPreKey: signedPreKey.publicKey)
    }

    /// The session's associated data (133 bytes).
    var associatedData: [UInt8] {
        X3DH.associatedData(
            initiatorIdentity: aliceIdentity.publicKey, responderIdentity: bobIdentity.publicKey, initiator: alice,
            responder: bob)
    }

    /// A whole session set-up, as the engine does it: Bob's signature checked, X3DH on both sides with the
    /// one-time pre-key, both ratchets set up, and the first message encrypted by Alice and decrypted by Bob.
    func setUpSession() throws -> (alice: DoubleRatchet, bob: DoubleRatchet) {
        let keys = RandomKeyPairs(random)

        // Alice, from Bob's bundle.
        try SignedPreKeySignature.verify(
            signature, deviceID: bob.device, keyID: Self.signedPreKeyID, signedPreKey: signedPreKey.publicKey,
            identityKey: bobIdentity.publicKey)
        let ephemeral = X25519.PrivateKey.generate(using: random)
        let aliceSecret = try X3DH.initiatorSecret(
            identity: aliceIdentity, ephemeral: ephemeral, peerIdentity: bobIdentity.publicKey,
            peerSignedPreKey: signedPreKey.publicKey, peerOneTimePreKey: oneTimePreKey.publicKey)
        var aliceRatchet = try DoubleRatchet.initiator(
            sharedSecret: aliceSecret, associatedData: associatedData, peerSignedPreKey: signedPreKey.publicKey,
            using: keys)
        let first = try aliceRatchet.encrypt(payload)

        // Bob, from the pre-key message.
        let bobSecret = try X3DH.responderSecret(
            identity: bobIdentity, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey,
            peerIdentity: aliceIdentity.publicKey, peerEphemeral: ephemeral.publicKey)
        var bobRatchet = DoubleRatchet.responder(
            sharedSecret: bobSecret, associatedData: associatedData, signedPreKey: signedPreKey)
        let opened = try bobRatchet.decrypt(first, using: keys)
        guard opened.count == payload.count else { throw BenchmarkFailure.failed("first message lost its payload") }
        return (aliceRatchet, bobRatchet)
    }
}
