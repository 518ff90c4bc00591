import Logging
import UncordCrypto
import UncordProtocol
import UncordRatchet
public import UncordStore

extension E2EEEngine {
    /// Replaces this device's identity key and tells the server: the store makes the new key, a signed pre-key it
    /// signs and `oneTimePreKeys` one-time pre-keys, and archives every session (one transaction); then the new
    /// key is uploaded (the server drops the old pre-keys and sends IDENTITY_KEY_CHANGED to the user's DM peers,
    /// who will see a trust warning), then the signed and one-time pre-keys.
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

    /// Uploads the identity key when a rotation left the server with the old one.
    func publishIdentityIfNeeded() async throws(E2EEError) {
        guard try storeCall({ try store.isRegistered() && !store.isIdentityPublished() }) else { return }
        let identity = try storeCall { try store.localIdentity() }
        do {
            try await server.updateIdentityKey(
                device: local.device, UpdateIdentityKeyRequest(identityKey: identity.keyPair.publicKey.bytes))
        } catch {
            throw Self.serverError(error)
        }
        try storeCall { try store.markIdentityPublished() }
        logger.info("identity key uploaded")
    }
}
