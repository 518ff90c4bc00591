public import Foundation

/// The answer of `GET /users/{user_id}/keys`: `{"user_id", "devices": [DeviceKeyBundle]}`.
///
/// Only devices with an active signed pre-key are listed; the list may be empty.
public struct UserKeyBundle: Sendable, Equatable, Codable {
    /// The user the bundles belong to.
    public var userID: UUID
    /// One bundle per listed device.
    public var devices: [DeviceKeyBundle]

    /// A bundle list for `userID`.
    public init(userID: UUID, devices: [DeviceKeyBundle]) {
        self.userID = userID
        self.devices = devices
    }

    private enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case devices
    }
}
