public import Foundation

/// One device's pre-key bundle from `GET /users/{user_id}/keys`.
///
/// Wire form: `{"device_id", "identity_key", "signed_pre_key_id", "signed_pre_key", "signature", "one_time_key_id"?,
/// "one_time_key"?}`. The two one-time fields come together or not at all (not at all when the device's pool is
/// empty, and X3DH then runs without DH4).
public struct DeviceKeyBundle: Sendable, Equatable, Codable {
    /// The client-chosen device id.
    public var deviceID: UUID
    /// The device's X25519 identity public key (32 bytes).
    public var identityKey: [UInt8]
    /// The id of the signed pre-key, in 1…2^31−1.
    public var signedPreKeyID: UInt32
    /// The signed pre-key's X25519 public key (32 bytes).
    public var signedPreKey: [UInt8]
    /// The XEdDSA signature over the signed pre-key (64 bytes).
    public var signature: [UInt8]
    /// The one-time pre-key the server handed out with this bundle, if the device had one left.
    public var oneTimePreKey: OneTimePreKey?

    /// A bundle with the given fields.
    public init(
        deviceID: UUID, identityKey: [UInt8], signedPreKeyID: UInt32, signedPreKey: [UInt8], signature: [UInt8],
        oneTimePreKey: OneTimePreKey? = nil
    ) {
        self.deviceID = deviceID
        self.identityKey = identityKey
        self.signedPreKeyID = signedPreKeyID
        self.signedPreKey = signedPreKey
        self.signature = signature
        self.oneTimePreKey = oneTimePreKey
    }

    private enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case identityKey = "identity_key"
        case signedPreKeyID = "signed_pre_key_id"
        case signedPreKey = "signed_pre_key"
        case signature
        case oneTimeKeyID = "one_time_key_id"
        case oneTimeKey = "one_time_key"
    }

    /// Reads a bundle, checking ids, key lengths (32), the signature length (64), and that the one-time fields are
    /// both present or both absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try container.decode(UUID.self, forKey: .deviceID)
        identityKey = try container.decodeBase64(forKey: .identityKey, count: 32)
        signedPreKeyID = try container.decodeKeyID(forKey: .signedPreKeyID)
        signedPreKey = try container.decodeBase64(forKey: .signedPreKey, count: 32)
        signature = try container.decodeBase64(forKey: .signature, count: 64)
        let hasID = try container.isPresent(.oneTimeKeyID)
        let hasKey = try container.isPresent(.oneTimeKey)
        if hasID || hasKey {
            // Whichever half is absent is reported as the missing field.
            oneTimePreKey = OneTimePreKey(
                keyID: try container.decodeKeyID(forKey: .oneTimeKeyID),
                publicKey: try container.decodeBase64(forKey: .oneTimeKey, count: 32))
        } else {
            oneTimePreKey = nil
        }
    }

    /// Writes a bundle after the same checks; the one-time fields are left out when there is no one-time key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deviceID, forKey: .deviceID)
        try container.encodeBase64(identityKey, forKey: .identityKey, count: 32)
        try container.encodeKeyID(signedPreKeyID, forKey: .signedPreKeyID)
        try container.encodeBase64(signedPreKey, forKey: .signedPreKey, count: 32)
        try container.encodeBase64(signature, forKey: .signature, count: 64)
        if let oneTimePreKey {
            try container.encodeKeyID(oneTimePreKey.keyID, forKey: .oneTimeKeyID)
            try container.encodeBase64(oneTimePreKey.publicKey, forKey: .oneTimeKey, count: 32)
        }
    }
}
