/// The body of `PUT /users/@me/devices/{device_id}/identity-key`: `{"identity_key": b64(32)}`.
public struct UpdateIdentityKeyRequest: Sendable, Equatable, Codable {
    /// The device's new X25519 identity public key (32 bytes).
    public var identityKey: [UInt8]

    /// A replacement of the device's identity key.
    public init(identityKey: [UInt8]) {
        self.identityKey = identityKey
    }

    private enum CodingKeys: String, CodingKey {
        case identityKey = "identity_key"
    }

    /// Reads the body; the key must be 32 bytes of base64.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        identityKey = try container.decodeBase64(forKey: .identityKey, count: 32)
    }

    /// Writes the body; the key must be 32 bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeBase64(identityKey, forKey: .identityKey, count: 32)
    }
}
