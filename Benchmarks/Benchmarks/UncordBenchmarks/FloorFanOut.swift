import CSodiumBench

/// The floor of `fanout_10_devices`: the libsodium calls of one message sealed for 10 devices, made directly.
///
/// Per message: the content key and nonce (`randombytes_buf` of 32 and 24 bytes), the content
/// (`crypto_aead_xchacha20poly1305_ietf_encrypt` of the padded payload, 45 bytes of associated data), its digest
/// (`crypto_hash_sha256`, once), then per device one ratchet encryption of `CK || digest` (64 bytes): `KDF_CK`, the
/// message-key HKDF and `crypto_aead_xchacha20poly1305_ietf_encrypt` with the session's 174 bytes of associated
/// data. No DH: the sessions are established and only send.
final class FloorFanOut {
    private let scratch = Scratch()
    private let chains: [Bytes]
    private let contentKey: Bytes
    private let contentNonce: Bytes
    private let padded: Bytes
    private let contentAD: Bytes
    private let content: Bytes
    private let wrapPlaintext: Bytes
    private let wrapCiphertext: Bytes
    private let sessionAD: Bytes
    private let header: Bytes
    private let ratchetKey: Bytes
    private let messageKey: Bytes
    private let messageKeys: Bytes
    private let prk: Bytes
    private let block: Bytes

    /// Buffers for `devices` sessions whose content holds `paddedCount` bytes of padded payload.
    init(devices: Int, paddedCount: Int, associatedData: [UInt8]) throws(BenchmarkFailure) {
        try SodiumFloor.initialize()
        let scratch = self.scratch
        chains = (0..<devices).map { _ in scratch.take(32) }
        for chain in chains { randombytes_buf(chain.base, 32) }
        contentKey = scratch.take(32)
        contentNonce = scratch.take(24)
        padded = scratch.take(paddedCount)
        contentAD = scratch.take(45)
        content = scratch.take(1 + 24 + paddedCount + 16)
        wrapPlaintext = scratch.take(64)
        wrapCiphertext = scratch.take(80)
        sessionAD = scratch.take(associatedData.count + 41)
        sessionAD.fill(from: associatedData)
        header = sessionAD.slice(associatedData.count, 41)
        ratchetKey = scratch.take(32)
        randombytes_buf(ratchetKey.base, 32)
        messageKey = scratch.take(32)
        messageKeys = scratch.take(56)
        prk = scratch.take(32)
        block = scratch.take(32)
    }

    /// One message for every device.
    func run() throws(BenchmarkFailure) {
        randombytes_buf(contentKey.base, 32)
        randombytes_buf(contentNonce.base, 24)
        var written: UInt64 = 0
        let sealed = content.base + 25
        guard
            crypto_aead_xchacha20poly1305_ietf_encrypt(
                sealed, &written, padded.base, UInt64(padded.count), contentAD.base, UInt64(contentAD.count), nil,
                contentNonce.base, contentKey.base) == 0
        else { throw .failed("crypto_aead_xchacha20poly1305_ietf_encrypt") }
        crypto_hash_sha256(wrapPlaintext.base + 32, content.base, UInt64(content.count))
        wrapPlaintext.base.update(from: contentKey.base, count: 32)
        for (index, chain) in chains.enumerated() {
            SodiumFloor.chainStep(chain, next: chain, messageKey: messageKey)
            SodiumFloor.messageKeys(ikm: messageKey, out: messageKeys, prk: prk, block: block)
            SodiumFloor.writeHeader(header, ratchetKey: ratchetKey, previous: 0, number: UInt32(index))
            try SodiumFloor.seal(wrapCiphertext, wrapPlaintext, ad: sessionAD, messageKeys: messageKeys)
        }
    }
}
