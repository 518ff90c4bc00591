public import Foundation
import Synchronization
public import UncordCrypto

/// A ``RatchetStore`` in memory, for tests and tools. Its whole contents are one ``State`` value, so a test can
/// take a ``snapshot`` before a step and compare it after.
///
/// ```swift
/// let store = InMemoryRatchetStore(local: LocalIdentity(address: me, keyPair: identity))
/// store.addSignedPreKey(spk, id: 1)
/// let before = store.snapshot
/// // … a step that fails …
/// assert(store.snapshot == before)
/// ```
public final class InMemoryRatchetStore: RatchetStore, Sendable {
    /// Everything the store holds.
    public struct State: Sendable, Equatable {
        /// This device.
        public var local: LocalIdentity
        /// Pinned peer identities.
        public var pinnedIdentities: [DeviceAddress: PinnedIdentity] = [:]
        /// Signed pre-keys by id (current and retired within grace).
        public var signedPreKeys: [UInt32: X25519.PrivateKey] = [:]
        /// Unused one-time pre-keys by id.
        public var oneTimePreKeys: [UInt32: X25519.PrivateKey] = [:]
        /// Session records by peer device.
        public var sessionRecords: [DeviceAddress: SessionRecord] = [:]
        /// Cached device lists by user.
        public var deviceLists: [UUID: [UUID]] = [:]
        /// Base keys of accepted sessions, by peer device.
        public var acceptedBaseKeys: [DeviceAddress: Set<X25519.PublicKey>] = [:]
        /// How many change sets were committed.
        public var commitCount = 0

        /// Equal when every field is; private keys compare by their secret bytes, in constant time.
        public static func == (lhs: State, rhs: State) -> Bool {
            lhs.local.address == rhs.local.address && lhs.local.keyPair.secret == rhs.local.keyPair.secret
                && lhs.pinnedIdentities == rhs.pinnedIdentities && same(lhs.signedPreKeys, rhs.signedPreKeys)
                && same(lhs.oneTimePreKeys, rhs.oneTimePreKeys) && lhs.sessionRecords == rhs.sessionRecords
                && lhs.deviceLists == rhs.deviceLists && lhs.commitCount == rhs.commitCount
                && lhs.acceptedBaseKeys == rhs.acceptedBaseKeys
        }

        private static func same(_ lhs: [UInt32: X25519.PrivateKey], _ rhs: [UInt32: X25519.PrivateKey]) -> Bool {
            lhs.count == rhs.count && lhs.allSatisfy { id, key in rhs[id]?.secret == key.secret }
        }
    }

    private let state: Mutex<State>

    /// An empty store for this device.
    public init(local: LocalIdentity) {
        state = Mutex(State(local: local))
    }

    /// A copy of everything the store holds.
    public var snapshot: State { state.withLock { $0 } }

    /// Adds a signed pre-key (set-up; the pre-key lifecycle belongs to the engine).
    public func addSignedPreKey(_ key: X25519.PrivateKey, id: UInt32) {
        state.withLock { $0.signedPreKeys[id] = key }
    }

    /// Deletes a signed pre-key, as when its grace period ends.
    public func removeSignedPreKey(id: UInt32) {
        state.withLock { $0.signedPreKeys[id] = nil }
    }

    /// Adds a one-time pre-key (set-up).
    public func addOneTimePreKey(_ key: X25519.PrivateKey, id: UInt32) {
        state.withLock { $0.oneTimePreKeys[id] = key }
    }

    /// Pins an identity directly, as when the user verifies a device.
    public func pin(_ identity: PinnedIdentity, for address: DeviceAddress) {
        state.withLock { $0.pinnedIdentities[address] = identity }
    }

    /// Caches a user's device list directly.
    public func setDevices(_ devices: [UUID], of user: UUID) {
        state.withLock { $0.deviceLists[user] = devices }
    }

    /// Archives the session record of `address` (``SessionRecord/archive()``): the next send to the device starts
    /// a new session. Returns how many sessions the record keeps (0 when there is none).
    @discardableResult
    public func archiveSessions(of address: DeviceAddress) -> Int {
        state.withLock { state in
            guard var record = state.sessionRecords[address] else { return 0 }
            record.archive()
            state.sessionRecords[address] = record
            return record.sessions.count
        }
    }

    public func localIdentity() -> LocalIdentity { state.withLock { $0.local } }

    public func pinnedIdentity(for address: DeviceAddress) -> PinnedIdentity? {
        state.withLock { $0.pinnedIdentities[address] }
    }

    public func signedPreKey(id: UInt32) -> X25519.PrivateKey? { state.withLock { $0.signedPreKeys[id] } }

    public func oneTimePreKey(id: UInt32) -> X25519.PrivateKey? { state.withLock { $0.oneTimePreKeys[id] } }

    public func sessionRecord(for address: DeviceAddress) -> SessionRecord? {
        state.withLock { $0.sessionRecords[address] }
    }

    public func devices(of user: UUID) -> [UUID]? { state.withLock { $0.deviceLists[user] } }

    public func acceptedSession(baseKey: X25519.PublicKey, from address: DeviceAddress) -> Bool {
        state.withLock { $0.acceptedBaseKeys[address]?.contains(baseKey) ?? false }
    }

    /// Forgets every remembered base key, as when their signed pre-keys' grace ends.
    public func forgetAcceptedBaseKeys() {
        state.withLock { $0.acceptedBaseKeys = [:] }
    }

    public func commit(_ changes: consuming StoreChangeSet) {
        var records = changes.takeSessionRecords()
        state.withLock { state in
            // Walked by index, not `records.indices`, which holds a second reference to the storage and so would
            // make the first swap copy the whole dictionary.
            var index = records.startIndex
            while index != records.endIndex {
                Self.store(&records, at: index, into: &state.sessionRecords)
                records.formIndex(after: &index)
            }
            state.pinnedIdentities.merge(changes.pinnedIdentities) { $1 }
            for id in changes.consumedOneTimePreKeys { state.oneTimePreKeys[id] = nil }
            state.deviceLists.merge(changes.deviceLists) { $1 }
            for accepted in changes.acceptedBaseKeys {
                state.acceptedBaseKeys[accepted.address, default: []].insert(accepted.baseKey)
            }
            state.commitCount += 1
        }
    }

    /// Puts the record at `index` of `records` into `stored`. A device that has a record already gets the new one
    /// by a swap: the new record is moved in and the old one left in `records`, to be released with it, where an
    /// assignment would copy the new record (retaining every key and array it holds) and release it again with the
    /// change set.
    private static func store(
        _ records: inout [DeviceAddress: SessionRecord], at index: Dictionary<DeviceAddress, SessionRecord>.Index,
        into stored: inout [DeviceAddress: SessionRecord]
    ) {
        let address = records.keys[index]
        guard let existing = stored.index(forKey: address) else {
            stored[address] = records.values[index]
            return
        }
        swap(&stored.values[existing], &records.values[index])
    }
}
