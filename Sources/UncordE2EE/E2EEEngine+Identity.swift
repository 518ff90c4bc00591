import Logging
import UncordCrypto
import UncordProtocol
import UncordRatchet
public import UncordStore

extension E2EEEngine {
    /// Replaces this device's identity key and tells the server: the store makes the new key, a signed pre-key it
    /// signs and `oneTimePreKeys` one-time pre-keys (the unconsumed old ones are kept: the server keeps handing them
    /// out, and a session started with one is bound to the new keys), and archives every session (one
    /// transaction); then every other
    /// device of this account that does not hold the new key is deleted from the server (LINKED_DEVICES.md A5:
    /// while a device with the old key is listed, peers keep the old pin and refuse this one; the devices to keep
    /// are linked again from this one); then the new key is uploaded (the server replaces only the key, and sends
    /// IDENTITY_KEY_CHANGED to the user's DM peers, who will see a trust warning), then the signed and one-time
    /// pre-keys.
    ///
    /// ```swift
    /// let rotation = try await engine.rotateIdentity()
    /// print(rotation.identityKey)
    /// ```
    /// - Throws: ``E2EEError/store(detail:)`` when the store failed (nothing changed);
    ///   ``E2EEError/server(detail:)`` when an upload failed: the new key is kept, and ``bootstrap()`` or
    ///   ``rotateSignedPreKeyIfNeeded()`` finishes the uploads later.
    @discardableResult
    public func rotateIdentity(oneTimePreKeys: Int = 100) async throws(E2EEError) -> IdentityRotation {
        let rotation = try storeCall { try store.rotateIdentity(oneTimePreKeys: oneTimePreKeys) }
        logger.notice("identity key rotated")
        try await publishIdentityIfNeeded()
        try await rotateSignedPreKeyIfNeeded()
        _ = try await uploadPendingOneTimePreKeys()
        return rotation
    }

    /// Uploads the identity key when a rotation left the server with the old one, after deleting from the server
    /// every other device of this account that does not hold the new key (A5; a device linked again from this one
    /// holds it and stays).
    func publishIdentityIfNeeded() async throws(E2EEError) {
        guard try storeCall({ try store.isRegistered() && !store.isIdentityPublished() }) else { return }
        let identity = try storeCall { try store.localIdentity() }
        let key = identity.keyPair.publicKey.bytes
        let others = try await serverCall { try await server.devices() }.filter {
            $0.deviceID != local.device && $0.identityKey != key
        }
        for device in others { try await serverCall { try await server.deleteDevice(device.deviceID) } }
        if !others.isEmpty {
            logger.notice(
                "other devices of this account deleted from the server before the rotated key is uploaded",
                metadata: ["count": "\(others.count)"])
        }
        try await serverCall {
            try await server.updateIdentityKey(device: local.device, UpdateIdentityKeyRequest(identityKey: key))
        }
        try storeCall { try store.markIdentityPublished() }
        logger.info("identity key uploaded")
    }
}
