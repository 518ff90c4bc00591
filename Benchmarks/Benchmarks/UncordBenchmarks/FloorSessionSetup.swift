import CSodiumBench

/// The floor of `session_setup`: the libsodium calls of a whole UEDM/1 session set-up, made directly.
///
/// Per set-up, in order:
/// - Bob's signed pre-key signature: `crypto_core_ed25519_is_valid_point` + `crypto_sign_ed25519_verify_detached`
///   over the 61-byte signed message (the engine's other checks and its Montgomery→Edwards field inversion are
///   Swift, not libsodium, so the floor holds the Edwards key ready);
/// - Alice's X3DH: `EK` generated (``SodiumFloor/generate(secret:publicKey:)``), 4 × `crypto_scalarmult`,
///   `HKDF(0x00*32, 0xFF*32 || DH1..DH4, "UEDM1 X3DH", 32)` (extract: HMAC init + update + final; expand: init +
///   1 × (3 updates + final));
/// - Bob's X3DH: 4 × `crypto_scalarmult` and the same HKDF;
/// - the ratchet set-up (``FloorRatchet/start(aliceSecret:bobSecret:signedPreKeySecret:signedPreKeyPublic:)``):
///   one key generation + 1 `crypto_scalarmult` + `KDF_RK`;
/// - the first message, Alice to Bob, with Bob's DH ratchet step
///   (``FloorRatchet/message(aliceSends:stepping:)``): 2 × `KDF_CK`, 2 message-key HKDFs, encrypt + decrypt,
///   2 × `crypto_scalarmult`, 2 × `KDF_RK`, one key generation.
///
/// Totals: 11 `crypto_scalarmult`, 3 key generations, 2 X3DH HKDFs, 3 `KDF_RK`, 2 `KDF_CK`, 2 message-key HKDFs,
/// 1 AEAD encrypt, 1 AEAD decrypt, 1 point check, 1 Ed25519 verification.
final class FloorSessionSetup {
    private let scratch = Scratch()
    private let ratchet: FloorRatchet
    private let associatedDataPrefix: [UInt8]
    private let aliceIdentitySecret: Bytes
    private let aliceIdentityPublic: Bytes
    private let bobIdentitySecret: Bytes
    private let bobIdentityPublic: Bytes
    private let signedPreKeySecret: Bytes
    private let signedPreKeyPublic: Bytes
    private let oneTimePreKeySecret: Bytes
    private let oneTimePreKeyPublic: Bytes
    private let edwardsKey: Bytes
    private let signature: Bytes
    private let signedMessage: Bytes
    private let ephemeralSecret: Bytes
    private let ephemeralPublic: Bytes
    private let ikm: Bytes
    private let zeroSalt: Bytes
    private let prk: Bytes
    private let block: Bytes
    private let aliceSecret: Bytes
    private let bobSecret: Bytes

    /// Keys made once, outside the measurement: both identities, Bob's signed and one-time pre-keys, and an Ed25519
    /// key pair whose signature over the signed-pre-key message stands in for the XEdDSA one.
    init(signedMessage message: [UInt8], associatedData: [UInt8], payload: [UInt8]) throws(BenchmarkFailure) {
        try SodiumFloor.initialize()
        ratchet = FloorRatchet(associatedData: associatedData, payload: payload)
        associatedDataPrefix = associatedData
        aliceIdentitySecret = scratch.take(32)
        aliceIdentityPublic = scratch.take(32)
        bobIdentitySecret = scratch.take(32)
        bobIdentityPublic = scratch.take(32)
        signedPreKeySecret = scratch.take(32)
        signedPreKeyPublic = scratch.take(32)
        oneTimePreKeySecret = scratch.take(32)
        oneTimePreKeyPublic = scratch.take(32)
        edwardsKey = scratch.take(32)
        signature = scratch.take(64)
        signedMessage = scratch.take(message)
        ephemeralSecret = scratch.take(32)
        ephemeralPublic = scratch.take(32)
        ikm = scratch.take(5 * 32)
        zeroSalt = scratch.take(32)
        prk = scratch.take(32)
        block = scratch.take(32)
        aliceSecret = scratch.take(32)
        bobSecret = scratch.take(32)

        try SodiumFloor.generate(secret: aliceIdentitySecret, publicKey: aliceIdentityPublic)
        try SodiumFloor.generate(secret: bobIdentitySecret, publicKey: bobIdentityPublic)
        try SodiumFloor.generate(secret: signedPreKeySecret, publicKey: signedPreKeyPublic)
        try SodiumFloor.generate(secret: oneTimePreKeySecret, publicKey: oneTimePreKeyPublic)
        let signingKey = scratch.take(64)
        guard crypto_sign_keypair(edwardsKey.base, signingKey.base) == 0,
            crypto_sign_detached(
                signature.base, nil, signedMessage.base, UInt64(signedMessage.count), signingKey.base) == 0
        else { throw .failed("crypto_sign_keypair / crypto_sign_detached") }
    }

    /// One whole set-up; throws if any check fails (the first message must decrypt).
    func run() throws(BenchmarkFailure) {
        guard crypto_core_ed25519_is_valid_point(edwardsKey.base) == 1 else {
            throw .failed("crypto_core_ed25519_is_valid_point")
        }
        guard
            crypto_sign_ed25519_verify_detached(
                signature.base, signedMessage.base, UInt64(signedMessage.count), edwardsKey.base) == 0
        else { throw .failed("crypto_sign_ed25519_verify_detached") }

        // Alice: EK, DH1..DH4, SK_A. The associated data goes into the wire buffer both sides read.
        try SodiumFloor.generate(secret: ephemeralSecret, publicKey: ephemeralPublic)
        ikm.prefix(32).fill(0xff)
        try SodiumFloor.dh(ikm.slice(32, 32), aliceIdentitySecret, signedPreKeyPublic)
        try SodiumFloor.dh(ikm.slice(64, 32), ephemeralSecret, bobIdentityPublic)
        try SodiumFloor.dh(ikm.slice(96, 32), ephemeralSecret, signedPreKeyPublic)
        try SodiumFloor.dh(ikm.slice(128, 32), ephemeralSecret, oneTimePreKeyPublic)
        SodiumFloor.hkdf(salt: zeroSalt, ikm: ikm, info: SodiumFloor.x3dhInfo, out: aliceSecret, prk: prk, block: block)
        ratchet.associatedData.fill(from: associatedDataPrefix)

        // Bob: the same four DH outputs from his side, SK_B.
        ikm.prefix(32).fill(0xff)
        try SodiumFloor.dh(ikm.slice(32, 32), signedPreKeySecret, aliceIdentityPublic)
        try SodiumFloor.dh(ikm.slice(64, 32), bobIdentitySecret, ephemeralPublic)
        try SodiumFloor.dh(ikm.slice(96, 32), signedPreKeySecret, ephemeralPublic)
        try SodiumFloor.dh(ikm.slice(128, 32), oneTimePreKeySecret, ephemeralPublic)
        SodiumFloor.hkdf(salt: zeroSalt, ikm: ikm, info: SodiumFloor.x3dhInfo, out: bobSecret, prk: prk, block: block)

        try ratchet.start(
            aliceSecret: aliceSecret, bobSecret: bobSecret, signedPreKeySecret: signedPreKeySecret,
            signedPreKeyPublic: signedPreKeyPublic)
        try ratchet.message(aliceSends: true, stepping: true)
    }
}
