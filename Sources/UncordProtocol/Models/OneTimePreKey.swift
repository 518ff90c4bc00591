/// A one-time pre-key's public half with its id: `{"key_id": int, "public_key": b64(32)}`.
///
/// This is the element of ``UploadOneTimePreKeysRequest``; a ``DeviceKeyBundle`` carries the same pair as its
/// `one_time_key_id` and `one_time_key` fields.
public struct OneTimePreKey: Sendable, Equatable, Codable {
    /// The key id, in 1…2^31−1.
    public var keyID: UInt32
    /// The X25519 public key (32 bytes).
    public var publicKey: [UInt8]

    /// A pre-key with the given id and public key.
    public init(keyID: UInt32, publicKey: [UInt8]) {
        self.keyID = keyID
        self.publicKey = publicKey
    }

    private enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case publicKey = "public_key"
    }

    /// Reads a pre-key; the id must be in range and the key 32 bytes of base64.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyID = try container.decodeKeyID(forKey: .keyID)
        publicKey = try container.decodeBase64(forKey: .publicKey, count: 32)
    }

    /// Writes a pre-key after the same checks.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeKeyID(keyID, forKey: .keyID)
        try container.encodeBase64(publicKey, forKey: .publicKey, count: 32)
    }
}
