public import Foundation

/// The `DM_MESSAGE_DELETE` payload: `{"id", "channel_id"}`.
public struct MessageDelete: Sendable, Equatable, Codable {
    /// The removed message.
    public var id: UUID
    /// The channel it was in.
    public var channelID: UUID

    /// A deletion of message `id` in `channelID`.
    public init(id: UUID, channelID: UUID) {
        self.id = id
        self.channelID = channelID
    }

    private enum CodingKeys: String, CodingKey {
        case id
        case channelID = "channel_id"
    }
}
