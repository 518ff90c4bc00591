public import UncordCrypto

/// This device: its address and its identity key pair.
public struct LocalIdentity: Sendable {
    /// This device's user and device ids.
    public var address: DeviceAddress
    /// This device's identity key pair; its public half is the server's `identity_key`.
    public var keyPair: X25519.PrivateKey

    /// This device from its address and identity key pair.
    public init(address: DeviceAddress, keyPair: X25519.PrivateKey) {
        self.address = address
        self.keyPair = keyPair
    }
}
