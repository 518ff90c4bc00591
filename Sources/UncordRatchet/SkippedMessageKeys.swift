import UncordCrypto

/// Message keys skipped over by out-of-order delivery, kept so the late messages can still be decrypted.
/// Bounded: at most ``capacity`` keys, the oldest evicted first.
///
/// A store that keeps the keys as rows of their own need not load them all for one step. A set made with
/// ``init(storedCount:insertionCounter:probe:)`` holds only the one key a received header can ask for (its
/// "probe"), and knows how many more the store keeps; it then records what the step did to those rows —
/// the probe used up, the oldest rows evicted — for the store to apply (``storedChanges``). Such a set serves one
/// step: asked for another key while rows it has not seen may hold it, it throws rather than guess.
struct SkippedMessageKeys: Sendable, Equatable {
    /// Most keys one session keeps.
    static let capacity = 2000

    struct Index: Hashable, Sendable {
        var ratchetKey: X25519.PublicKey
        var messageNumber: UInt32
    }

    private struct Entry: Sendable, Equatable {
        var key: SecureBytes
        var order: UInt64
    }

    /// The keys in memory: all of them, or, for a set over stored rows, those inserted since it was loaded.
    private var entries: [Index: Entry] = [:]
    private var nextOrder: UInt64 = 0
    /// The stored rows this set stands for without holding them; `nil` for a set that holds every key.
    private var stored: StoredRows?

    /// What a one-step set knows of the rows a store keeps, and what the step did to them.
    struct StoredRows: Sendable, Equatable {
        /// How many rows the store held when the set was made.
        var count: Int
        /// The index a received header names, and its stored key when the store has one.
        var probe: Index?
        var probeKey: SecureBytes?
        /// `true` once the probe's row was used up (its message decrypted).
        var probeRemoved = false
        /// How many of the oldest stored rows were evicted.
        var evicted = 0

        /// Rows still stored.
        var remaining: Int { count - evicted - (probeRemoved ? 1 : 0) }
        /// `true` once the step changed the stored rows: from then on a look-up cannot be answered exactly.
        var touched: Bool { probeRemoved || evicted > 0 }
    }

    /// The changes of a one-step set to the rows a store keeps, for the store to apply in this order.
    struct StoredChanges: Sendable, Equatable {
        /// The probe's row, used up.
        var removed: Index?
        /// How many of the oldest remaining rows to delete.
        var evictOldest: Int
        /// New keys to store, oldest first.
        var inserted: [DoubleRatchet.SkippedKey]
    }

    /// An empty store.
    init() {}

    /// A one-step set over `storedCount` rows of a store: `probe` is the index the step's header names and
    /// `probeKey` its stored key (`nil` when the store has none).
    init(storedCount: Int, insertionCounter: UInt64, probe: Index?, probeKey: SecureBytes?) {
        nextOrder = insertionCounter
        stored = StoredRows(count: storedCount, probe: probe, probeKey: probeKey)
    }

    var count: Int { entries.count + (stored?.remaining ?? 0) }

    /// The key of `index`, if kept.
    /// - Throws: ``RatchetError/malformed(_:)`` when a one-step set is asked what its rows alone could tell.
    func key(for index: Index) throws(RatchetError) -> SecureBytes? {
        if !entries.isEmpty, let entry = entries[index] { return entry.key }
        guard let stored, stored.remaining > 0 else { return nil }
        guard !stored.touched, index == stored.probe else {
            throw .malformed("a skipped key looked up beyond the one step its session was loaded for")
        }
        return stored.probeKey
    }

    mutating func remove(_ index: Index) {
        if entries.removeValue(forKey: index) == nil, stored?.probe == index, stored?.probeKey != nil {
            stored?.probeRemoved = true
        }
    }

    /// Stores a key, evicting the oldest when full. Stored rows are always older than keys inserted since.
    mutating func insert(_ key: SecureBytes, for index: Index) {
        if count >= Self.capacity {
            if let rows = stored, rows.remaining > 0 {
                stored?.evicted = rows.evicted + 1
            } else if let oldest = entries.min(by: { $0.value.order < $1.value.order })?.key {
                entries[oldest] = nil
            }
        }
        entries[index] = Entry(key: key, order: nextOrder)
        nextOrder += 1
    }

    /// `true` for a set that holds every key (not a one-step set over stored rows).
    var isComplete: Bool { stored == nil }

    /// For a one-step set, what the step changed in the stored rows; `nil` for a complete set.
    var storedChanges: StoredChanges? {
        guard let stored else { return nil }
        return StoredChanges(
            removed: stored.probeRemoved ? stored.probe : nil, evictOldest: stored.evicted, inserted: all)
    }

    /// The stored indices, oldest first (for persistence and tests). For a one-step set, the keys in memory.
    var indicesByAge: [Index] {
        entries.sorted { $0.value.order < $1.value.order }.map(\.key)
    }

    /// The counter the next insertion takes; persisted with the state so eviction order survives a reload.
    var insertionCounter: UInt64 { nextOrder }

    /// Every key in memory with its position in the eviction order, oldest first.
    var all: [DoubleRatchet.SkippedKey] {
        entries.sorted { $0.value.order < $1.value.order }.map {
            .init(
                ratchetKey: $0.key.ratchetKey, messageNumber: $0.key.messageNumber, key: $0.value.key,
                order: $0.value.order)
        }
    }

    /// Rebuilds the keys a store saved.
    init(restoring keys: [DoubleRatchet.SkippedKey], insertionCounter: UInt64) throws(RatchetError) {
        guard keys.count <= Self.capacity else { throw .malformed("more than \(Self.capacity) skipped keys") }
        for key in keys {
            guard key.key.count == 32, key.order < insertionCounter else { throw .malformed("a stored skipped key") }
            entries[Index(ratchetKey: key.ratchetKey, messageNumber: key.messageNumber)] = Entry(
                key: key.key, order: key.order)
        }
        nextOrder = insertionCounter
    }
}
