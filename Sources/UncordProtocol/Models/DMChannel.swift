public import Foundation

/// A direct-message channel, as `POST /users/@me/channels` answers and `DM_CHANNEL_CREATE` carries it.
///
/// Wire form: `{"id", "type", "name"?, "owner_id"?, "created_at", "updated_at"}`.
public struct DMChannel: Sendable, Equatable, Codable {
    /// The kind of DM channel; a kind this version does not know is kept as it came.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The wire text.
        public let rawValue: String

        /// Wraps a wire text.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// A one-to-one conversation (`dm`).
        public static let direct = Kind(rawValue: "dm")
        /// A named conversation with several members and an owner (`group_dm`).
        public static let group = Kind(rawValue: "group_dm")

        /// The wire text.
        public var description: String { rawValue }
    }

    /// The channel id.
    public var id: UUID
    /// One-to-one or group.
    public var kind: Kind
    /// The group's name; absent for one-to-one channels.
    public var name: String?
    /// The group's owner; absent for one-to-one channels.
    public var ownerID: UUID?
    /// When the channel was created.
    public var createdAt: Timestamp
    /// When the channel last changed.
    public var updatedAt: Timestamp

    /// A channel with the given fields.
    public init(
        id: UUID, kind: Kind, name: String? = nil, ownerID: UUID? = nil, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.ownerID = ownerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    private enum CodingKeys: String, CodingKey {
        case id
        case kind = "type"
        case name
        case ownerID = "owner_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
