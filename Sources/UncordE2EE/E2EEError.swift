public import Foundation

/// The one error type of ``UncordE2EE``. No case carries key material or message text.
public enum E2EEError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Sending to `user` is refused until the change of the user's account key (carried by `devices`) is accepted
    /// (``E2EEEngine/acceptIdentityChange(user:)``). Nothing was stored.
    case identityChanged(user: UUID, devices: [UUID])
    /// The devices listed for `user` carry several different identity keys, none of them the pin: nobody is wrapped
    /// for and nothing is pinned (LINKED_DEVICES.md A2 rule 3). Nothing was stored.
    case ambiguousIdentity(user: UUID)
    /// The safety number given to ``E2EEEngine/verify(user:safetyNumber:)`` is not the one computed from the pinned
    /// keys; nothing was marked verified.
    case safetyNumberMismatch
    /// The peer or device is not known to this device.
    case unknownPeer(UUID)
    /// ``E2EEEngine/acceptIdentityChange(user:)`` found the user's key unchanged: there is nothing to accept, and
    /// nothing changed.
    case noIdentityChange(user: UUID)
    /// There is no session with the device to reset; nothing changed.
    case noSession(user: UUID, device: UUID)
    /// The message would be longer than Uncord's 4000 characters once encrypted; nothing was stored.
    case messageTooLong(characters: Int)
    /// No user other than this one is known to be in the channel: the server's channel objects do not name their
    /// members, so a send must name them until the store has learned them (from an earlier send or a received
    /// message). Nothing was stored.
    case unknownMembers(channel: UUID)
    /// A recipient device has no session and the server returned no usable pre-key bundle for it.
    case noBundle(user: UUID)
    /// The server answered device registration (`POST /users/@me/devices`) with 500 `INTERNAL_ERROR`: the published
    /// server's defect 1 (Docs/UNCORD_SERVER.md section 3) refuses every registration that way, and no client can
    /// avoid it. Nothing was stored as registered; a later ``E2EEEngine/bootstrap()`` against a patched server
    /// registers as usual.
    case serverCannotRegisterDevices
    /// The server refused or failed a request; `detail` is the server's error code or a transport description.
    case server(detail: String)
    /// The local store failed; `detail` is the store's error text (never a stored value).
    case store(detail: String)
    /// A protocol step failed; `detail` is the ratchet layer's error text (never key material).
    case crypto(detail: String)

    public var description: String {
        switch self {
        case .identityChanged(let user, let devices):
            "sending to \(user.uuidString.lowercased()) is blocked: \(devices.count) device(s) changed identity key"
        case .ambiguousIdentity(let user):
            "the devices of \(user.uuidString.lowercased()) carry several identity keys: nothing is sent to them"
        case .safetyNumberMismatch: "the safety number does not match"
        case .unknownPeer(let id): "unknown peer \(id.uuidString.lowercased())"
        case .noIdentityChange(let user):
            "the identity key of \(user.uuidString.lowercased()) did not change"
        case .noSession(let user, let device):
            "no session with \(user.uuidString.lowercased())/\(device.uuidString.lowercased())"
        case .messageTooLong(let characters): "the message would be \(characters) characters; the limit is 4000"
        case .unknownMembers(let channel):
            "no other member of channel \(channel.uuidString.lowercased()) is known: name the participants"
        case .noBundle(let user): "no usable pre-key bundle for user \(user.uuidString.lowercased())"
        case .serverCannotRegisterDevices:
            "this server cannot register devices: see Docs/UNCORD_SERVER.md (registration answered 500 INTERNAL_ERROR)"
        case .server(let detail): "server error: \(detail)"
        case .store(let detail): "store error: \(detail)"
        case .crypto(let detail): "protocol error: \(detail)"
        }
    }
}
