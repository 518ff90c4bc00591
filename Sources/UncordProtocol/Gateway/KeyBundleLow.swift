public import Foundation

/// The `KEY_BUNDLE_LOW` payload: one of the user's devices has few one-time pre-keys left on the server.
///
/// Wire form: `{"device_id": uuid, "remaining": int}`.
public struct KeyBundleLow: Sendable, Equatable, Codable {
    /// The device (its client-chosen id) whose pool is low.
    public var deviceID: UUID
    /// How many one-time pre-keys the server still holds for it.
    public var remaining: Int

    /// A notice for `deviceID` with `remaining` keys left.
    public init(deviceID: UUID, remaining: Int) {
        self.deviceID = deviceID
        self.remaining = remaining
    }

    private enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case remaining
    }

    /// Reads the payload; `remaining` must not be negative.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try container.decode(UUID.self, forKey: .deviceID)
        remaining = try container.decodeCount(Int.self, forKey: .remaining)
    }
}
