import Foundation
import UncordCrypto
import UncordProtocol

/// The JSON half of a ``LinkPayload``, read and written through `WireJSON` (strict RFC 8259, canonical UUIDs in
/// either letter case, a field that is read must appear once, unknown fields ignored; written compact, members in
/// this order, UUIDs in lower case).
struct WirePayload: Codable {
    var user: UUID
    var identityKey: X25519.PublicKey
    var fromDevice: UUID
    var pins: [LinkPayload.Pin]
    var channels: [LinkPayload.Channel]

    init(_ payload: LinkPayload) {
        user = payload.user
        identityKey = payload.identityKey
        fromDevice = payload.fromDevice
        pins = payload.pins
        channels = payload.channels
    }

    enum CodingKeys: String, CodingKey {
        case version = "v", user = "user_id", identityKey = "identity_key", fromDevice = "from_device", pins, channels
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard try container.decode(Int.self, forKey: .version) == LinkPayload.version else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "must be 1")
        }
        user = try container.decode(UUID.self, forKey: .user)
        identityKey = try container.decodePublicKey(forKey: .identityKey)
        fromDevice = try container.decode(UUID.self, forKey: .fromDevice)
        pins = try container.decode([WirePin].self, forKey: .pins).map(\.pin)
        channels = try container.decode([WireChannel].self, forKey: .channels).map(\.channel)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(LinkPayload.version, forKey: .version)
        try container.encode(user, forKey: .user)
        try container.encode(Base64.encode(identityKey.bytes), forKey: .identityKey)
        try container.encode(fromDevice, forKey: .fromDevice)
        try container.encode(pins.map(WirePin.init), forKey: .pins)
        try container.encode(channels.map(WireChannel.init), forKey: .channels)
    }
}

/// A ``LinkPayload/Pin`` as JSON: `{"user_id","identity_key","trust"}`.
struct WirePin: Codable {
    var pin: LinkPayload.Pin

    init(_ pin: LinkPayload.Pin) { self.pin = pin }

    enum CodingKeys: String, CodingKey {
        case user = "user_id", identityKey = "identity_key", trust
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let user = try container.decode(UUID.self, forKey: .user)
        let identityKey = try container.decodePublicKey(forKey: .identityKey)
        guard let trust = PinnedIdentity.Level(rawValue: try container.decode(String.self, forKey: .trust)) else {
            throw DecodingError.dataCorruptedError(
                forKey: .trust, in: container, debugDescription: "must be unverified, verified or changed")
        }
        pin = LinkPayload.Pin(user: user, identityKey: identityKey, trust: trust)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pin.user, forKey: .user)
        try container.encode(Base64.encode(pin.identityKey.bytes), forKey: .identityKey)
        try container.encode(pin.trust.rawValue, forKey: .trust)
    }
}

/// A ``LinkPayload/Channel`` as JSON: `{"channel_id","members"}`.
struct WireChannel: Codable {
    var channel: LinkPayload.Channel

    init(_ channel: LinkPayload.Channel) { self.channel = channel }

    enum CodingKeys: String, CodingKey {
        case id = "channel_id", members
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channel = LinkPayload.Channel(
            id: try container.decode(UUID.self, forKey: .id),
            members: try container.decode([UUID].self, forKey: .members))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel.id, forKey: .id)
        try container.encode(channel.members, forKey: .members)
    }
}

extension KeyedDecodingContainer {
    /// A 32-byte X25519 public key written as standard base64, padded or not.
    fileprivate func decodePublicKey(forKey key: Key) throws -> X25519.PublicKey {
        let text = try decode(String.self, forKey: key)
        do {
            return try X25519.PublicKey(bytes: Base64.decode(text))
        } catch .invalidLength(_, let expected, let actual) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "must be \(expected) bytes, got \(actual)")
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "is not base64 (standard alphabet)")
        }
    }
}
