public import Foundation

/// The engine's settings.
public struct E2EEConfiguration: Sendable {
    /// What to do when the identity key of a device that was never verified changes.
    public enum UnverifiedChangePolicy: Sendable, Equatable {
        /// Warn and keep sending (the default).
        case warn
        /// Warn and refuse sending to the user until the change is accepted.
        case block
    }

    /// How many one-time pre-keys the server should hold (PROTOCOL.md section 7).
    public var oneTimePreKeyTarget = 100
    /// The count at or below which the server fires KEY_BUNDLE_LOW; a sync tops up at or below it.
    public var lowThreshold = 10
    /// The age after which the signed pre-key is rotated.
    public var signedPreKeyRotationAge: TimeInterval = 7 * 24 * 3600
    /// The age after which a cached device list is fetched again before sending.
    public var deviceListRefreshAge: TimeInterval = 24 * 3600
    /// At most one automatic session recovery per peer device within this many seconds (`Docs/ENGINE.md`,
    /// "Sessions that heal"): when messages from a device cannot be decrypted because this side lost or forked
    /// the session, the engine starts a new session with it and tells it so in an encrypted control message.
    /// `nil` turns recovery off.
    public var sessionRecoveryInterval: TimeInterval? = 3600
    /// The handling of key changes of unverified devices; verified devices always block.
    public var unverifiedChanges = UnverifiedChangePolicy.warn
    /// The label sent when registering the device.
    public var deviceLabel: String?
    /// How many recent messages one wrap fetch asks for.
    public var wrapFetchLimit = 100
    /// How many messages one page of a catch-up (READY, RESUMED) asks for, per channel.
    public var catchUpPageSize = 50
    /// Unused: a catch-up reads back as many pages as it takes to reach the stored history (Docs/ENGINE.md,
    /// "Catch-up"). Kept so that code setting it still builds.
    @available(*, deprecated, message: "a catch-up has no page limit: it reads back until the stored history")
    public var catchUpPageLimit = 4

    /// The defaults of PROTOCOL.md.
    public init() {}
}
