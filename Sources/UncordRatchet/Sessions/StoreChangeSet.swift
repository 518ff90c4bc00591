public import Foundation

/// All the store writes of one protocol step, computed before anything is written and applied by one
/// ``RatchetStore/commit(_:)``.
public struct StoreChangeSet: Sendable, Equatable {
    /// Session records to write, each replacing the device's whole record.
    public internal(set) var sessionRecords: [DeviceAddress: SessionRecord] = [:]
    /// Identity keys to pin, replacing any earlier pin of the device.
    public internal(set) var pinnedIdentities: [DeviceAddress: PinnedIdentity] = [:]
    /// One-time pre-keys to delete: used by the new session stored in the same step.
    public internal(set) var consumedOneTimePreKeys: Set<UInt32> = []
    /// Device lists to cache, each replacing the user's list.
    public internal(set) var deviceLists: [UUID: [UUID]] = [:]

    /// An empty change set.
    public init() {}

    /// `true` when the step changes nothing.
    public var isEmpty: Bool {
        sessionRecords.isEmpty && pinnedIdentities.isEmpty && consumedOneTimePreKeys.isEmpty && deviceLists.isEmpty
    }
}
