public import Foundation
public import UncordProtocol

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
