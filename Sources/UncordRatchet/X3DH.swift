public import Foundation
public import UncordCrypto

/// X3DH key agreement as UEDM/1 fixes it (PROTOCOL.md section 3): the initiator A is always "our" device starting
/// a session, the responder B one device of the peer.
///
/// ```swift
/// try bundle.verifySignature()   // a PreKeyBundle from GET /users/{id}/keys, checked before anything else
/// let sk = try X3DH.initiatorSecret(
///     identity: ourIdentity, ephemeral: ek, peerIdentity: bundle.identityKey,
///     peerSignedPreKey: bundle.signedPreKey, peerOneTimePreKey: bundle.oneTimePreKey?.key)
/// ```
public enum X3DH {
    /// `info` of the HKDF that makes `SK`.
    static let info = Array("UEDM1 X3DH".utf8)
    /// The prefix of the associated data.
    static let adPrefix = Array("UEDM1".utf8)
    /// The length of the associated data: 5 + 32 + 32 + 4 × 16.
    public static let associatedDataByteCount = 133

    /// `SK` on the initiator's side: `DH1 = DH(IK_A, SPK_B)`, `DH2 = DH(EK_A, IK_B)`, `DH3 = DH(EK_A, SPK_B)`,
    /// `DH4 = DH(EK_A, OPK_B)` when a one-time pre-key came. The signature must have been checked already.
    public static func initiatorSecret(
        identity: X25519.PrivateKey, ephemeral: X25519.PrivateKey, peerIdentity: X25519.PublicKey,
        peerSignedPreKey: X25519.PublicKey, peerOneTimePreKey: X25519.PublicKey?
    ) throws(RatchetError) -> SecureBytes {
        try RatchetError.wrapping { () throws(CryptoError) in
            var secrets = [
                try X25519.sharedSecret(identity, peerSignedPreKey),
                try X25519.sharedSecret(ephemeral, peerIdentity),
                try X25519.sharedSecret(ephemeral, peerSignedPreKey),
            ]
            if let peerOneTimePreKey { secrets.append(try X25519.sharedSecret(ephemeral, peerOneTimePreKey)) }
            return try deriveSecret(secrets)
        }
    }

    /// `SK` on the responder's side, from the initiator's identity and ephemeral keys.
    public static func responderSecret(
        identity: X25519.PrivateKey, signedPreKey: X25519.PrivateKey, oneTimePreKey: X25519.PrivateKey?,
        peerIdentity: X25519.PublicKey, peerEphemeral: X25519.PublicKey
    ) throws(RatchetError) -> SecureBytes {
        try RatchetError.wrapping { () throws(CryptoError) in
            var secrets = [
                try X25519.sharedSecret(signedPreKey, peerIdentity),
                try X25519.sharedSecret(identity, peerEphemeral),
                try X25519.sharedSecret(signedPreKey, peerEphemeral),
            ]
            if let oneTimePreKey { secrets.append(try X25519.sharedSecret(oneTimePreKey, peerEphemeral)) }
            return try deriveSecret(secrets)
        }
    }

    /// `AD = "UEDM1" || IK_A.pub || IK_B.pub || uuid(user_A) || uuid(device_A) || uuid(user_B) || uuid(device_B)`,
    /// the same for both directions of the session (A is always the initiator).
    public static func associatedData(
        initiatorIdentity: X25519.PublicKey, responderIdentity: X25519.PublicKey, initiator: DeviceAddress,
        responder: DeviceAddress
    ) -> [UInt8] {
        var ad = adPrefix
        ad.reserveCapacity(associatedDataByteCount)
        ad += initiatorIdentity.bytes
        ad += responderIdentity.bytes
        ad += initiator.user.rfc4122Bytes
        ad += initiator.device.rfc4122Bytes
        ad += responder.user.rfc4122Bytes
        ad += responder.device.rfc4122Bytes
        return ad
    }

    /// `HKDF(salt = 0x00*32, ikm = 0xFF*32 || DH1 || DH2 || DH3 [|| DH4], info = "UEDM1 X3DH", L = 32)`.
    private static func deriveSecret(_ secrets: [SecureBytes]) throws(CryptoError) -> SecureBytes {
        let ikm = SecureBytes(count: 32 * (secrets.count + 1)) { buffer in
            buffer.initializeMemory(as: UInt8.self, repeating: 0xff)
            for (index, secret) in secrets.enumerated() {
                let slot = UnsafeMutableRawBufferPointer(rebasing: buffer[(32 * (index + 1))..<(32 * (index + 2))])
                secret.withUnsafeBytes { slot.copyMemory(from: $0) }
            }
        }
        return try HKDF.deriveKey(salt: [UInt8](repeating: 0, count: 32), ikm: ikm, info: info, length: 32)
    }
}

/// A device of a user: the pair that keys sessions and appears in the associated data.
public struct DeviceAddress: Sendable, Hashable, CustomStringConvertible {
    /// The user's server id.
    public var user: UUID
    /// The device's id.
    public var device: UUID

    /// An address from its two ids.
    public init(user: UUID, device: UUID) {
        self.user = user
        self.device = device
    }

    public var description: String { "\(user.uuidString.lowercased())/\(device.uuidString.lowercased())" }

    /// The 32 bytes of both ids as four words: sessions are looked up by address several times for each recipient
    /// of a message, and two `UUID.hash(into:)` calls (each a call into Foundation and a byte-wise combine) cost
    /// more than the hashing itself.
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: (user.uuid, device.uuid)) { bytes in
            for offset in stride(from: 0, to: 32, by: 8) {
                hasher.combine(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            }
        }
    }
}
