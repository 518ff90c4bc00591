public import Foundation

/// The body of `POST /users/@me/channels`: `{"recipient_id"}` for a one-to-one channel, `{"name", "recipients"}`
/// for a group.
public enum CreateDMChannelRequest: Sendable, Equatable, Codable {
    /// A one-to-one channel with `recipientID` (the server returns the existing one if there is one).
    case direct(recipientID: UUID)
    /// A named group with the given members (the creator becomes its owner).
    case group(name: String, recipients: [UUID])

    private enum CodingKeys: String, CodingKey {
        case recipientID = "recipient_id"
        case name
        case recipients
    }

    /// Reads the body: a group when `name` or `recipients` is present (then both are required), otherwise a
    /// one-to-one channel that requires `recipient_id`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try container.isPresent(.name) || container.isPresent(.recipients) {
            self = .group(
                name: try container.decode(String.self, forKey: .name),
                recipients: try container.decode([UUID].self, forKey: .recipients))
        } else {
            self = .direct(recipientID: try container.decode(UUID.self, forKey: .recipientID))
        }
    }

    /// Writes the body for the case.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .direct(let recipientID):
            try container.encode(recipientID, forKey: .recipientID)
        case .group(let name, let recipients):
            try container.encode(name, forKey: .name)
            try container.encode(recipients, forKey: .recipients)
        }
    }
}
