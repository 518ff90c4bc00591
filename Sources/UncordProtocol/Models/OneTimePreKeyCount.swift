/// The answer of `GET /users/@me/devices/{device_id}/one-time-pre-keys/count`: `{"count": int}`.
public struct OneTimePreKeyCount: Sendable, Equatable, Codable {
    /// How many unused one-time pre-keys the server holds for the device.
    public var count: Int

    /// A count.
    public init(count: Int) {
        self.count = count
    }

    private enum CodingKeys: String, CodingKey {
        case count
    }

    /// Reads the count, which must not be negative.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decodeCount(Int.self, forKey: .count)
    }
}
