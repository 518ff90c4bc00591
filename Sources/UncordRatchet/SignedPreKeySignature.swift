public import Foundation
public import UncordCrypto

/// The signature that binds a signed pre-key to its device and identity key (PROTOCOL.md section 2):
/// `Sig(IK, "UEDM1 SPK" || uuid(device_id) || u32be(key_id) || SPK.pub)`.
///
/// ```swift
/// let signature = try SignedPreKeySignature.sign(
///     deviceID: device, keyID: 1, signedPreKey: spk.publicKey, identityKey: identity, using: SystemRandom())
/// try SignedPreKeySignature.verify(signature, deviceID: device, keyID: 1, signedPreKey: spk.publicKey,
///                                  identityKey: identity.publicKey)
/// ```
public enum SignedPreKeySignature {
    /// The range of valid pre-key ids, signed and one-time alike: `1 ... 2^31 − 1`.
    public static let validKeyIDs: ClosedRange<UInt32> = 1...0x7fff_ffff

    /// The domain-separation prefix of the signed message.
    static let prefix = Array("UEDM1 SPK".utf8)

    /// The exact bytes that are signed.
    public static func message(deviceID: UUID, keyID: UInt32, signedPreKey: X25519.PublicKey) -> [UInt8] {
        var bytes = prefix
        bytes.reserveCapacity(prefix.count + 16 + 4 + 32)
        bytes += deviceID.rfc4122Bytes
        withUnsafeBytes(of: keyID.bigEndian) { bytes += $0 }
        bytes += signedPreKey.bytes
        return bytes
    }

    /// Signs with the given 64-byte nonce `Z` (deterministic; for vectors and tests).
    public static func sign(
        deviceID: UUID, keyID: UInt32, signedPreKey: X25519.PublicKey, identityKey: X25519.PrivateKey,
        nonce: SecureBytes
    ) throws(CryptoError) -> [UInt8] {
        try checkKeyID(keyID)
        return try XEdDSA.sign(
            message(deviceID: deviceID, keyID: keyID, signedPreKey: signedPreKey), with: identityKey, nonce: nonce)
    }

    /// Signs with a fresh random nonce.
    public static func sign(
        deviceID: UUID, keyID: UInt32, signedPreKey: X25519.PublicKey, identityKey: X25519.PrivateKey,
        using source: any RandomSource
    ) throws(CryptoError) -> [UInt8] {
        try sign(
            deviceID: deviceID, keyID: keyID, signedPreKey: signedPreKey, identityKey: identityKey,
            nonce: SecureBytes(random: XEdDSA.nonceByteCount, using: source))
    }

    /// Verifies a signed pre-key's signature. A key id outside ``validKeyIDs`` is rejected before the check.
    /// - Throws: `CryptoError` — `CryptoError.authenticationFailed(_:)` for a bad signature.
    public static func verify(
        _ signature: some ContiguousBytes, deviceID: UUID, keyID: UInt32, signedPreKey: X25519.PublicKey,
        identityKey: X25519.PublicKey
    ) throws(CryptoError) {
        try checkKeyID(keyID)
        try XEdDSA.verify(
            signature, for: message(deviceID: deviceID, keyID: keyID, signedPreKey: signedPreKey),
            publicKey: identityKey)
    }

    private static func checkKeyID(_ keyID: UInt32) throws(CryptoError) {
        guard validKeyIDs.contains(keyID) else {
            throw .invalidParameter("pre-key id \(keyID) is outside 1...\(validKeyIDs.upperBound)")
        }
    }
}
