public import Foundation
public import UncordRatchet

/// One listed device of a user as the store last judged it (LINKED_DEVICES.md A2).
public struct DeviceAuthorizationRecord: Sendable, Equatable {
    /// The device.
    public var address: DeviceAddress
    /// The identity key the server listed for it (any length: a malformed key is kept as listed).
    public var identityKey: [UInt8]
    /// Authorized (wrapped for) or refused, with the reason.
    public var state: DeviceAuthorization.State
    /// When the verdict was reached.
    public var judgedAt: Date

    /// A record from its parts.
    public init(address: DeviceAddress, identityKey: [UInt8], state: DeviceAuthorization.State, judgedAt: Date) {
        self.address = address
        self.identityKey = identityKey
        self.state = state
        self.judgedAt = judgedAt
    }
}
