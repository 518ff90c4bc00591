public import Foundation
public import UncordRatchet

/// One stored session as `uncord-keys sessions list` shows it: who it is with, where it stands in the device's
/// record and when it was made. Nothing sealed is read.
public struct SessionSummary: Sendable, Equatable {
    /// The peer device.
    public var peer: DeviceAddress
    /// 0 for the active session, 1 to 5 for the earlier ones kept to decrypt messages in flight.
    public var position: Int
    /// When the session was stored.
    public var createdAt: Date?
    /// When the device's record was archived (a reset, or this device's new identity key): set on the active
    /// session until a new one replaces it.
    public var archivedAt: Date?

    /// `true` for the session that sends, unless the record was archived.
    public var isActive: Bool { position == 0 }
}
