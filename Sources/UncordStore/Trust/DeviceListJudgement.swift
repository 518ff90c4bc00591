public import Foundation
public import UncordCrypto
public import UncordRatchet

/// What ``SQLiteStore/judgeDeviceList(_:unverifiedChanges:)`` decided and wrote, for the engine to report.
public struct DeviceListJudgement: Sendable, Equatable {
    /// A change of the user's account key (or several keys at once) to warn about.
    public struct Warning: Sendable, Equatable {
        /// The key pinned before (`nil` at first contact).
        public var previous: X25519.PublicKey?
        /// The key the devices carry now; `nil` when they carry several (ambiguous).
        public var current: X25519.PublicKey?
        /// `true` when sending to the user is refused until the change is accepted.
        public var sendingBlocked: Bool
    }

    /// Every listed device with its verdict, and the outcome.
    public var authorization: DeviceAuthorization
    /// The pin the list was judged against.
    public var previousPin: PinnedIdentity?
    /// Whether sending to the user may go on (the outcome allows it and no earlier change blocks it).
    public var sendAllowed: Bool
    /// Refused devices not reported before with this key and reason.
    public var newlyRefused: [DeviceAuthorization.JudgedDevice] = []
    /// This user's own devices authorized for the first time (with this key).
    public var newlyLinkedOwnDevices: [UUID] = []
    /// The warning this list raises, if any (raised once per new key).
    public var warning: Warning?

    init(authorization: DeviceAuthorization, previousPin: PinnedIdentity?) {
        self.authorization = authorization
        self.previousPin = previousPin
        self.sendAllowed = authorization.sendAllowed
    }
}
