public import UncordCrypto

/// Something about a peer's identity the app should hear of, returned with the send or receive that found it.
public enum TrustNotice: Sendable, Hashable {
    /// A device's identity key was seen for the first time and pinned as unverified (trust on first use).
    case pinned(DeviceAddress, key: X25519.PublicKey)
    /// A device's identity key differs from the pinned one; the trust policy accepted the change, so the new key
    /// is now pinned (level ``PinnedIdentity/Level/changed``) and the device's earlier sessions are archived.
    case identityChanged(DeviceAddress, previous: X25519.PublicKey, current: X25519.PublicKey)
}
