public import Foundation
import UncordRatchet
public import UncordStore

/// A user as this device knows it (LINKED_DEVICES.md A3): the pinned account key with its trust, and every listed
/// device with its verdict.
public struct PeerTrust: Sendable, Equatable {
    /// The user.
    public var user: UUID
    /// The pinned account key; `nil` for this user (whose key is this device's own) and for a user whose devices
    /// never agreed on one key.
    public var identity: PeerIdentityRecord?
    /// Every listed device as last judged: authorized, or refused with the reason.
    public var devices: [DeviceAuthorizationRecord]
    /// `true` when sending to the user is refused until a change is accepted.
    public var sendingBlocked: Bool { identity?.sendBlocked ?? false }
    /// The 30-digit fingerprint of the pinned account key (PROTOCOL.md section 8 over one key).
    public var fingerprint: String? {
        identity.flatMap { try? SafetyNumber.fingerprint(user: user, identityKeys: [$0.identityKey]) }
    }
}
