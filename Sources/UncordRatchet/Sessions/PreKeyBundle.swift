public import Foundation
public import UncordCrypto
public import UncordProtocol

/// One peer device's pre-key bundle, the public keys an initiator needs to start a session with it
/// (PROTOCOL.md section 3): identity key, signed pre-key with its signature, and at most one one-time pre-key.
///
/// ```swift
/// let bundle = try PreKeyBundle(user: peer, device: fetched.devices[0])   // from GET /users/{id}/keys
/// try bundle.verifySignature()                                            // before anything else
/// ```
public struct PreKeyBundle: Sendable, Hashable {
    /// A one-time pre-key the server handed out with the bundle.
    public struct OneTimeKey: Sendable, Hashable {
        /// The key's id, in 1…2^31−1.
        public var id: UInt32
        /// The key.
        public var key: X25519.PublicKey

        /// A one-time pre-key from its id and key.
        public init(id: UInt32, key: X25519.PublicKey) {
            self.id = id
            self.key = key
        }
    }

    /// The user and device the bundle belongs to.
    public var address: DeviceAddress
    /// The device's identity key.
    public var identityKey: X25519.PublicKey
    /// The signed pre-key's id.
    public var signedPreKeyID: UInt32
    /// The signed pre-key.
    public var signedPreKey: X25519.PublicKey
    /// The XEdDSA signature over the signed pre-key, by the identity key.
    public var signature: [UInt8]
    /// The one-time pre-key, when the device had one left.
    public var oneTimePreKey: OneTimeKey?

    /// A bundle from its parts.
    public init(
        address: DeviceAddress, identityKey: X25519.PublicKey, signedPreKeyID: UInt32,
        signedPreKey: X25519.PublicKey, signature: [UInt8], oneTimePreKey: OneTimeKey? = nil
    ) {
        self.address = address
        self.identityKey = identityKey
        self.signedPreKeyID = signedPreKeyID
        self.signedPreKey = signedPreKey
        self.signature = signature
        self.oneTimePreKey = oneTimePreKey
    }

    /// The bundle of one device of `user`, as the server's bundle list carries it.
    /// - Throws: ``RatchetError/crypto(_:)`` when a key is not 32 bytes.
    public init(user: UUID, device: DeviceKeyBundle) throws(RatchetError) {
        let keys = try RatchetError.wrapping { () throws(CryptoError) in
            (
                identity: try X25519.PublicKey(bytes: device.identityKey),
                signed: try X25519.PublicKey(bytes: device.signedPreKey),
                oneTime: try device.oneTimePreKey.map { (one) throws(CryptoError) in
                    OneTimeKey(id: one.keyID, key: try X25519.PublicKey(bytes: one.publicKey))
                }
            )
        }
        self.init(
            address: DeviceAddress(user: user, device: device.deviceID), identityKey: keys.identity,
            signedPreKeyID: device.signedPreKeyID, signedPreKey: keys.signed, signature: device.signature,
            oneTimePreKey: keys.oneTime)
    }

    /// Checks the signed pre-key's signature: the first thing to do with a bundle.
    /// - Throws: ``RatchetError/invalidSignedPreKeySignature`` for a bad signature or an out-of-range key id.
    public func verifySignature() throws(RatchetError) {
        do {
            try SignedPreKeySignature.verify(
                signature, deviceID: address.device, keyID: signedPreKeyID, signedPreKey: signedPreKey,
                identityKey: identityKey)
        } catch {
            throw .invalidSignedPreKeySignature
        }
    }
}
