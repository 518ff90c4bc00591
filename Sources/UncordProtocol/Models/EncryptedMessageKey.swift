public import Foundation

/// One recipient device's wrap of a message's content key: `{"device_id", "encrypted_key": b64}`.
///
/// When the server lists messages for one device it sends that device's wrap with `"device_id": ""`, meaning "this
/// device"; that reads as ``Recipient/thisDevice``. A message being sent must address every wrap by device UUID.
public struct EncryptedMessageKey: Sendable, Equatable, Codable {
    /// Which device a wrap is for.
    public enum Recipient: Sendable, Hashable, CustomStringConvertible {
        /// The device that asked for the message (the wire's empty `device_id`).
        case thisDevice
        /// The device with this client-chosen id.
        case device(UUID)

        /// `this device`, or the device id in lowercase.
        public var description: String {
            switch self {
            case .thisDevice: "this device"
            case .device(let id): id.wireText
            }
        }
    }

    /// The device the wrap is for.
    public var recipient: Recipient
    /// The wrapped key bytes (never empty).
    public var encryptedKey: [UInt8]

    /// A wrap for `recipient`.
    public init(recipient: Recipient, encryptedKey: [UInt8]) {
        self.recipient = recipient
        self.encryptedKey = encryptedKey
    }

    private enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case encryptedKey = "encrypted_key"
    }

    /// Reads the wrap; `device_id` is `""` or a UUID, `encrypted_key` non-empty base64.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try container.decode(String.self, forKey: .deviceID).isEmpty {
            recipient = .thisDevice
        } else {
            recipient = .device(try container.decode(UUID.self, forKey: .deviceID))
        }
        encryptedKey = try container.decodeBase64(forKey: .encryptedKey)
    }

    /// Writes the wrap, with `""` for ``Recipient/thisDevice``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch recipient {
        case .thisDevice: try container.encode("", forKey: .deviceID)
        case .device(let id): try container.encode(id, forKey: .deviceID)
        }
        try container.encodeBase64(encryptedKey, forKey: .encryptedKey)
    }
}
