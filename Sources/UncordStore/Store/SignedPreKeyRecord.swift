public import Foundation
public import UncordCrypto

/// This device's signed pre-key as the server needs it.
public struct SignedPreKeyRecord: Sendable, Equatable {
    /// The key id.
    public var id: UInt32
    /// The public key.
    public var publicKey: X25519.PublicKey
    /// `Sig(IK, "UEDM1 SPK" || uuid(device) || u32be(id) || pub)`.
    public var signature: [UInt8]
    /// When it was made.
    public var createdAt: Date
}
