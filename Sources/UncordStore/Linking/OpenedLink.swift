public import Foundation
public import UncordRatchet

/// A link response opened on the new device: the payload and the confirmation code to show, before anything is
/// stored (LINKED_DEVICES.md A4 step 3).
public struct OpenedLink: Sendable {
    /// What the existing device handed over: the account key, its pins and channels.
    public var payload: LinkPayload
    /// The 6-digit confirmation code; the person must see the same on the existing device.
    public var confirmationCode: String
    /// The device id the new device drew for itself.
    public var deviceID: UUID
}
