import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// The request bodies that would publish this device's keys: what ``bootstrap()`` sends, for a server reached
    /// another way. One-time pre-keys the server already has are left out (it would refuse their ids).
    public func bundleExport() throws(E2EEError) -> DeviceBundleExport {
        try storeCall {
            let identity = try store.localIdentity()
            let signed = try store.currentSignedPreKey()
            let pending = try store.pendingOneTimePreKeys()
            let size = UploadOneTimePreKeysRequest.maximumBatchSize
            return DeviceBundleExport(
                deviceID: local.device,
                register: RegisterDeviceRequest(
                    deviceID: local.device, label: configuration.deviceLabel,
                    identityKey: identity.keyPair.publicKey.bytes),
                signedPreKey: UploadSignedPreKeyRequest(
                    keyID: signed.id, publicKey: signed.publicKey.bytes, signature: signed.signature),
                oneTimePreKeys: stride(from: 0, to: pending.count, by: size).map { start in
                    UploadOneTimePreKeysRequest(
                        preKeys: pending[start..<min(start + size, pending.count)].map {
                            OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes)
                        })
                })
        }
    }
}
