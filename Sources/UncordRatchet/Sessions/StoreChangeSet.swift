public import Foundation
public import UncordCrypto

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
    /// Base keys of sessions accepted from pre-key wraps, remembered until their signed pre-key's grace ends so a
    /// replayed wrap never starts its session again once the session itself is gone.
    public internal(set) var acceptedBaseKeys: [AcceptedBaseKey] = []

    /// The base key (`EK_A`) of a session a peer started with this device.
    public struct AcceptedBaseKey: Sendable, Equatable {
        /// The peer device.
        public var address: DeviceAddress
        /// The initiator's ephemeral key.
        public var baseKey: X25519.PublicKey
        /// The signed pre-key the session was started against: the record may go once that key's grace ends.
        public var signedPreKeyID: UInt32
    }

    /// An empty change set.
    public init() {}

    /// Takes the session records out of the set, leaving it none: the result holds the only reference to the
    /// records' storage when the set did, so a store can move each record out of it (a swap) without copying it.
    mutating func takeSessionRecords() -> [DeviceAddress: SessionRecord] {
        var taken: [DeviceAddress: SessionRecord] = [:]
        swap(&taken, &sessionRecords)
        return taken
    }

    /// `true` when the step changes nothing.
    public var isEmpty: Bool {
        sessionRecords.isEmpty && pinnedIdentities.isEmpty && consumedOneTimePreKeys.isEmpty && deviceLists.isEmpty
            && acceptedBaseKeys.isEmpty
    }
}
