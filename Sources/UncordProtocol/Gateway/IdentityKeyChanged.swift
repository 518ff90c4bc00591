public import Foundation

/// The `IDENTITY_KEY_CHANGED` payload: a DM peer registered a device or replaced a device's identity key.
///
/// Wire form: `{"user_id": uuid, "device_id": uuid, "identity_key": b64(32)}`.
public struct IdentityKeyChanged: Sendable, Equatable, Codable {
    /// The peer.
    public var userID: UUID
    /// The peer's device (its client-chosen id).
    public var deviceID: UUID
    /// The device's new X25519 identity public key (32 bytes).
    public var identityKey: [UInt8]

    /// A notice that `deviceID` of `userID` now has `identityKey`.
    public init(userID: UUID, deviceID: UUID, identityKey: [UInt8]) {
        self.userID = userID
        self.deviceID = deviceID
        self.identityKey = identityKey
    }

    private enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case deviceID = "device_id"
        case identityKey = "identity_key"
    }

    /// Reads the payload; the key must be 32 bytes of base64.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userID = try container.decode(UUID.self, forKey: .userID)
        deviceID = try container.decode(UUID.self, forKey: .deviceID)
        identityKey = try container.decodeBase64(forKey: .identityKey, count: 32)
    }

    /// Writes the payload; the key must be 32 bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(userID, forKey: .userID)
        try container.encode(deviceID, forKey: .deviceID)
        try container.encodeBase64(identityKey, forKey: .identityKey, count: 32)
    }
}
