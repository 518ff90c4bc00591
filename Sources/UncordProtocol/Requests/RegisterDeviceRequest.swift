public import Foundation

/// The body of `POST /users/@me/devices`: `{"device_id", "label"?, "identity_key": b64(32)}`.
public struct RegisterDeviceRequest: Sendable, Equatable, Codable {
    /// The device id the client chose.
    public var deviceID: UUID
    /// A label for the user to recognise the device by.
    public var label: String?
    /// The device's X25519 identity public key (32 bytes).
    public var identityKey: [UInt8]

    /// A registration of `deviceID` with `identityKey`.
    public init(deviceID: UUID, label: String? = nil, identityKey: [UInt8]) {
        self.deviceID = deviceID
        self.label = label
        self.identityKey = identityKey
    }

    private enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case label
        case identityKey = "identity_key"
    }

    /// Reads the body; the key must be 32 bytes of base64.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try container.decode(UUID.self, forKey: .deviceID)
        label = try container.decodeIfPresent(String.self, forKey: .label)
        identityKey = try container.decodeBase64(forKey: .identityKey, count: 32)
    }

    /// Writes the body; the key must be 32 bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deviceID, forKey: .deviceID)
        try container.encodeIfPresent(label, forKey: .label)
        try container.encodeBase64(identityKey, forKey: .identityKey, count: 32)
    }
}
