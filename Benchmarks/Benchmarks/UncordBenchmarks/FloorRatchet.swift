import CSodiumBench

/// The Double Ratchet of UEDM/1 reduced to its libsodium calls (see ``SodiumFloor``), for the floors of
/// `ratchet_one_direction`, `ratchet_alternating` and `session_setup`. Both parties live in one scratch and share
/// one wire buffer: the associated data `AD || header` and the ciphertext are written by the sender and read as
/// they are by the receiver.
final class FloorRatchet {
    /// One side's state: the root key, both chains, its own ratchet key pair and the peer's ratchet key.
    struct Party {
        let rootKey: Bytes
        let sendingChain: Bytes
        let receivingChain: Bytes
        let secret: Bytes
        let publicKey: Bytes
        let remoteKey: Bytes
        var sendCount: UInt32 = 0
        var previousSendCount: UInt32 = 0

        init(_ scratch: Scratch) {
            rootKey = scratch.take(32)
            sendingChain = scratch.take(32)
            receivingChain = scratch.take(32)
            secret = scratch.take(32)
            publicKey = scratch.take(32)
            remoteKey = scratch.take(32)
        }
    }

    let scratch = Scratch()
    var alice: Party
    var bob: Party
    /// `AD (133) || header (41)`, the AEAD's associated data.
    let associatedData: Bytes
    let header: Bytes
    let plaintext: Bytes
    let ciphertext: Bytes
    let opened: Bytes
    private let messageKey: Bytes
    private let messageKeys: Bytes
    private let dhOutput: Bytes
    private let rootOutput: Bytes
    private let prk: Bytes
    private let block: Bytes

    /// Blocks for a session whose messages carry `payload`; no key is set yet.
    init(associatedData ad: [UInt8], payload: [UInt8]) {
        alice = Party(scratch)
        bob = Party(scratch)
        associatedData = scratch.take(ad.count + 41)
        associatedData.fill(from: ad)
        header = associatedData.slice(ad.count, 41)
        plaintext = scratch.take(payload)
        ciphertext = scratch.take(payload.count + 16)
        opened = scratch.take(payload.count)
        messageKey = scratch.take(32)
        messageKeys = scratch.take(56)
        dhOutput = scratch.take(32)
        rootOutput = scratch.take(64)
        prk = scratch.take(32)
        block = scratch.take(32)
    }

    /// The ratchet set-up of both sides. Alice (the initiator), from `SK_A` and Bob's signed pre-key: one key
    /// generation (``SodiumFloor/generate(secret:publicKey:)``) + 1 `crypto_scalarmult` + `KDF_RK`. Bob, from
    /// `SK_B` and the signed pre-key pair: copies only. Counters start again at 0.
    func start(
        aliceSecret: Bytes, bobSecret: Bytes, signedPreKeySecret: Bytes, signedPreKeyPublic: Bytes
    ) throws(BenchmarkFailure) {
        bob.rootKey.base.update(from: bobSecret.base, count: 32)
        bob.secret.base.update(from: signedPreKeySecret.base, count: 32)
        bob.publicKey.base.update(from: signedPreKeyPublic.base, count: 32)
        bob.sendCount = 0
        bob.previousSendCount = 0
        alice.rootKey.base.update(from: aliceSecret.base, count: 32)
        try SodiumFloor.generate(secret: alice.secret, publicKey: alice.publicKey)
        alice.remoteKey.base.update(from: signedPreKeyPublic.base, count: 32)
        try rootStep(alice, into: alice.sendingChain)
        alice.sendCount = 0
        alice.previousSendCount = 0
    }

    /// One message from Alice to Bob (`aliceSends`) or back; `stepping` when the receiver must take a DH
    /// ratchet step first (the message carries a new ratchet key).
    ///
    /// Sender: `KDF_CK` (1 HMAC init + 2 × (update + final)) + message-key HKDF (``SodiumFloor/messageKeys``: extract
    /// from the prepared zero salt, update + final; expand: init + 2 × (3 updates + final)) +
    /// `crypto_aead_xchacha20poly1305_ietf_encrypt`.
    /// Receiver: the same `KDF_CK` and HKDF + `_decrypt`; when stepping, also 2 × `crypto_scalarmult`, 2 × `KDF_RK`
    /// (HKDF with L = 64: extract + expand of 2 blocks) and one key generation
    /// (``SodiumFloor/generate(secret:publicKey:)``).
    func message(aliceSends: Bool, stepping: Bool) throws(BenchmarkFailure) {
        if aliceSends {
            try send(&alice)
            try receive(&bob, stepping: stepping)
        } else {
            try send(&bob)
            try receive(&alice, stepping: stepping)
        }
    }

    private func send(_ party: inout Party) throws(BenchmarkFailure) {
        SodiumFloor.chainStep(party.sendingChain, next: party.sendingChain, messageKey: messageKey)
        SodiumFloor.messageKeys(ikm: messageKey, out: messageKeys, prk: prk, block: block)
        SodiumFloor.writeHeader(
            header, ratchetKey: party.publicKey, previous: party.previousSendCount, number: party.sendCount)
        try SodiumFloor.seal(ciphertext, plaintext, ad: associatedData, messageKeys: messageKeys)
        party.sendCount += 1
    }

    private func receive(_ party: inout Party, stepping: Bool) throws(BenchmarkFailure) {
        if stepping {
            party.remoteKey.base.update(from: header.base + 1, count: 32)
            try rootStep(party, into: party.receivingChain)
        }
        SodiumFloor.chainStep(party.receivingChain, next: party.receivingChain, messageKey: messageKey)
        SodiumFloor.messageKeys(ikm: messageKey, out: messageKeys, prk: prk, block: block)
        try SodiumFloor.open(opened, ciphertext, ad: associatedData, messageKeys: messageKeys)
        if stepping {
            try SodiumFloor.generate(secret: party.secret, publicKey: party.publicKey)
            try rootStep(party, into: party.sendingChain)
            party.previousSendCount = party.sendCount
            party.sendCount = 0
        }
    }

    /// `(rk, chain) = KDF_RK(rk, DH(own secret, remote key))`: 1 `crypto_scalarmult` + HKDF with L = 64.
    private func rootStep(_ party: Party, into chain: Bytes) throws(BenchmarkFailure) {
        try SodiumFloor.dh(dhOutput, party.secret, party.remoteKey)
        SodiumFloor.hkdf(
            salt: party.rootKey, ikm: dhOutput, info: SodiumFloor.rootInfo, out: rootOutput, prk: prk, block: block)
        party.rootKey.base.update(from: rootOutput.base, count: 32)
        chain.base.update(from: rootOutput.base + 32, count: 32)
    }
}

extension FloorRatchet {
    /// A floor session past its first message: a random `SK` on both sides, Bob's signed pre-key as his first
    /// ratchet key, Alice's first message sent and received (so Bob has taken his first DH ratchet step).
    static func established(associatedData: [UInt8], payload: [UInt8]) throws(BenchmarkFailure) -> FloorRatchet {
        try SodiumFloor.initialize()
        let ratchet = FloorRatchet(associatedData: associatedData, payload: payload)
        let sharedSecret = ratchet.scratch.take(32)
        randombytes_buf(sharedSecret.base, 32)
        let signedPreKeySecret = ratchet.scratch.take(32)
        let signedPreKeyPublic = ratchet.scratch.take(32)
        try SodiumFloor.generate(secret: signedPreKeySecret, publicKey: signedPreKeyPublic)
        try ratchet.start(
            aliceSecret: sharedSecret, bobSecret: sharedSecret, signedPreKeySecret: signedPreKeySecret,
            signedPreKeyPublic: signedPreKeyPublic)
        try ratchet.message(aliceSends: true, stepping: true)
        return ratchet
    }
}
