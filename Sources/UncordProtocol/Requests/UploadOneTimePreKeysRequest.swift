/// The body of `POST /users/@me/devices/{device_id}/one-time-pre-keys`: `{"pre_keys": [{"key_id", "public_key"}]}`.
///
/// A batch holds 1 to ``maximumBatchSize`` keys; the server refuses the whole batch if any id is already taken.
public struct UploadOneTimePreKeysRequest: Sendable, Equatable, Codable {
    /// The most keys one upload may carry.
    public static let maximumBatchSize = 100

    /// The keys to publish.
    public var preKeys: [OneTimePreKey]

    /// An upload of `preKeys`.
    public init(preKeys: [OneTimePreKey]) {
        self.preKeys = preKeys
    }

    private enum CodingKeys: String, CodingKey {
        case preKeys = "pre_keys"
    }

    /// Reads the body; the batch must hold 1 to 100 keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        preKeys = try container.decode([OneTimePreKey].self, forKey: .preKeys)
        if let problem = Self.batchSizeProblem(preKeys.count) {
            throw DecodingError.dataCorruptedError(forKey: .preKeys, in: container, debugDescription: problem)
        }
    }

    /// Writes the body; the batch must hold 1 to 100 keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let problem = Self.batchSizeProblem(preKeys.count) { throw container.refuse(.preKeys, problem) }
        try container.encode(preKeys, forKey: .preKeys)
    }

    private static func batchSizeProblem(_ count: Int) -> String? {
        (1...maximumBatchSize).contains(count) ? nil : "must hold 1 to \(maximumBatchSize) keys, got \(count)"
    }
}
