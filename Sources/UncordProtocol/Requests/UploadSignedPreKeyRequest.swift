/// The body of `PUT /users/@me/devices/{device_id}/signed-pre-key`:
/// `{"key_id": int, "public_key": b64(32), "signature": b64(64)}`.
public struct UploadSignedPreKeyRequest: Sendable, Equatable, Codable {
    /// The signed pre-key's id, in 1…2^31−1.
    public var keyID: UInt32
    /// The signed pre-key's X25519 public key (32 bytes).
    public var publicKey: [UInt8]
    /// The identity key's XEdDSA signature over it (64 bytes).
    public var signature: [UInt8]

    /// An upload of signed pre-key `keyID`.
    public init(keyID: UInt32, publicKey: [UInt8], signature: [UInt8]) {
        self.keyID = keyID
        self.publicKey = publicKey
        self.signature = signature
    }

    private enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case publicKey = "public_key"
        case signature
    }

    /// Reads the body, checking the id range and the lengths (32 and 64 bytes).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyID = try container.decodeKeyID(forKey: .keyID)
        publicKey = try container.decodeBase64(forKey: .publicKey, count: 32)
        signature = try container.decodeBase64(forKey: .signature, count: 64)
    }

    /// Writes the body after the same checks.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeKeyID(keyID, forKey: .keyID)
        try container.encodeBase64(publicKey, forKey: .publicKey, count: 32)
        try container.encodeBase64(signature, forKey: .signature, count: 64)
    }
}
