public import Foundation

/// A registered device of the signed-in user: `{"id", "device_id", "label"?, "identity_key", "created_at"}`.
public struct Device: Sendable, Equatable, Codable {
    /// The server's row id for the registration.
    public var id: UUID
    /// The client-chosen device id, the one every other route uses.
    public var deviceID: UUID
    /// A label the user gave the device.
    public var label: String?
    /// The device's X25519 identity public key (32 bytes).
    public var identityKey: [UInt8]
    /// When the device was registered.
    public var createdAt: Timestamp

    /// A device with the given fields.
    public init(id: UUID, deviceID: UUID, label: String? = nil, identityKey: [UInt8], createdAt: Timestamp) {
        self.id = id
        self.deviceID = deviceID
        self.label = label
        self.identityKey = identityKey
        self.createdAt = createdAt
    }

    private enum CodingKeys: String, CodingKey {
        case id
        case deviceID = "device_id"
        case label
        case identityKey = "identity_key"
        case createdAt = "created_at"
    }

    /// Reads a device; the key must be 32 bytes of base64.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        deviceID = try container.decode(UUID.self, forKey: .deviceID)
        label = try container.decodeIfPresent(String.self, forKey: .label)
        identityKey = try container.decodeBase64(forKey: .identityKey, count: 32)
        createdAt = try container.decode(Timestamp.self, forKey: .createdAt)
    }

    /// Writes a device; the key must be 32 bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(deviceID, forKey: .deviceID)
        try container.encodeIfPresent(label, forKey: .label)
        try container.encodeBase64(identityKey, forKey: .identityKey, count: 32)
        try container.encode(createdAt, forKey: .createdAt)
    }
}
