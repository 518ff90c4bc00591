public import Foundation
public import UncordCrypto
import UncordProtocol

/// What an existing device hands a new one when linking it (LINKED_DEVICES.md A4): the account identity key pair,
/// every pin it holds and the channels it knows. Its bytes are `identity_private (32) || UTF-8 JSON`
/// `{"v":1,"user_id":…,"identity_key":…,"from_device":…,"pins":[{"user_id","identity_key","trust"}],
/// "channels":[{"channel_id","members":[…]}]}`; the private key stays out of the JSON so it can be wiped.
///
/// ```swift
/// let payload = LinkPayload(identity: accountKey, user: me, fromDevice: thisDevice, pins: pins, channels: [])
/// let (response, code) = try LinkResponse.seal(payload, for: request, using: SystemRandom())
/// ```
public struct LinkPayload: Sendable, CustomStringConvertible {
    /// The payload format version.
    public static let version = 1

    /// One pinned account key of another user, with its trust.
    public struct Pin: Sendable, Equatable {
        /// The user the key is pinned for.
        public var user: UUID
        /// That user's account identity key.
        public var identityKey: X25519.PublicKey
        /// How far it is trusted.
        public var trust: PinnedIdentity.Level

        /// A pin from its parts.
        public init(user: UUID, identityKey: X25519.PublicKey, trust: PinnedIdentity.Level) {
            self.user = user
            self.identityKey = identityKey
            self.trust = trust
        }
    }

    /// One DM channel and its members.
    public struct Channel: Sendable, Equatable {
        /// The channel id.
        public var id: UUID
        /// The member user ids, in the order the existing device holds them.
        public var members: [UUID]

        /// A channel from its parts.
        public init(id: UUID, members: [UUID]) {
            self.id = id
            self.members = members
        }
    }

    /// The account identity key pair; its public half is the payload's `identity_key`.
    public var identity: X25519.PrivateKey
    /// The account's user id.
    public var user: UUID
    /// The existing device that made the payload.
    public var fromDevice: UUID
    /// Every pin the existing device holds.
    public var pins: [Pin]
    /// The channels the existing device knows; may be empty.
    public var channels: [Channel]

    /// A payload from its parts.
    public init(identity: X25519.PrivateKey, user: UUID, fromDevice: UUID, pins: [Pin], channels: [Channel]) {
        self.identity = identity
        self.user = user
        self.fromDevice = fromDevice
        self.pins = pins
        self.channels = channels
    }

    /// The account identity public key, `identity_key`.
    public var identityKey: X25519.PublicKey { identity.publicKey }

    /// The exact payload bytes: the 32-byte private key, then compact JSON with members in the order above, keys as
    /// unpadded standard base64 (the Uncord wire convention) and UUIDs in lower case.
    /// - Throws: ``LinkError/invalidPayload(_:)`` if the JSON cannot be written (it always can for these types).
    public func encoded() throws(LinkError) -> SecureBytes {
        let json: [UInt8]
        do { json = try WireJSON.encode(WirePayload(self)) } catch { throw .invalidPayload(error.description) }
        let secret = identity.secret
        return SecureBytes(count: secret.count + json.count) { out in
            secret.withUnsafeBytes { out.copyMemory(from: $0) }
            json.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[secret.count...]).copyMemory(from: $0) }
        }
    }

    /// Reads and checks payload bytes. Fields the payload does not define are ignored; keys may be padded base64.
    /// - Throws: ``LinkError/invalidPayload(_:)`` for fewer than 32 bytes, text that is not JSON, `v` other than 1,
    ///   a missing, repeated or mistyped field, a malformed UUID or key, an unknown trust level;
    ///   ``LinkError/identityKeyMismatch`` when the private key's public key is not `identity_key`.
    public init(decoding bytes: SecureBytes) throws(LinkError) {
        let keyCount = X25519.byteCount
        guard bytes.count >= keyCount else {
            throw .invalidPayload("a payload is at least \(keyCount) bytes (the private key), got \(bytes.count)")
        }
        let wire: WirePayload
        do {
            wire = try bytes.withUnsafeBytes { raw in
                try WireJSON.decode(WirePayload.self, from: UnsafeRawBufferPointer(rebasing: raw[keyCount...]))
            }
        } catch let error as ProtocolError {
            throw .invalidPayload(error.description)
        } catch {
            throw .invalidPayload("cannot be read")
        }
        let identity: X25519.PrivateKey
        do { identity = try X25519.PrivateKey(secret: bytes.slice(0..<keyCount)) } catch { throw .crypto(error) }
        guard identity.publicKey == wire.identityKey else { throw .identityKeyMismatch }
        self.init(
            identity: identity, user: wire.user, fromDevice: wire.fromDevice, pins: wire.pins, channels: wire.channels)
    }

    public var description: String {
        "LinkPayload(user: \(user.uuidString.lowercased()), from device: \(fromDevice.uuidString.lowercased()), "
            + "\(pins.count) pins, \(channels.count) channels)"
    }
}
