public import UncordCrypto

/// A public pre-key as the server needs it.
public struct PublishedPreKey: Sendable, Equatable {
    /// The key id.
    public var id: UInt32
    /// The public key.
    public var publicKey: X25519.PublicKey
}
