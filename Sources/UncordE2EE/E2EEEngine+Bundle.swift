public import Foundation
import UncordCrypto
public import UncordProtocol
import UncordRatchet
import UncordStore

/// This device's keys as the exact request bodies the server takes (UNCORD_API.md): the registration, the signed
/// pre-key and the pending one-time pre-keys in batches of at most 100. Public keys and signatures only.
public struct DeviceBundleExport: Sendable, Equatable, Encodable {
    /// This device.
    public var deviceID: UUID
    /// `POST /users/@me/devices`.
    public var register: RegisterDeviceRequest
    /// `PUT /users/@me/devices/{device_id}/signed-pre-key`: the current signed pre-key.
    public var signedPreKey: UploadSignedPreKeyRequest
    /// `POST /users/@me/devices/{device_id}/one-time-pre-keys`, one body per batch; empty when no key waits.
    public var oneTimePreKeys: [UploadOneTimePreKeysRequest]

    private enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case register
        case signedPreKey = "signed_pre_key"
        case oneTimePreKeys = "one_time_pre_keys"
    }
}

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
