import UncordCrypto

/// Message keys skipped over by out-of-order delivery, kept so the late messages can still be decrypted.
/// Bounded: at most ``capacity`` keys, the oldest evicted first.
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

    private var entries: [Index: Entry] = [:]
    private var nextOrder: UInt64 = 0

    /// An empty store.
    init() {}

    var count: Int { entries.count }

    func key(for index: Index) -> SecureBytes? { entries.isEmpty ? nil : entries[index]?.key }

    mutating func remove(_ index: Index) { entries[index] = nil }

    /// Stores a key, evicting the oldest when full.
    mutating func insert(_ key: SecureBytes, for index: Index) {
        if entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.order < $1.value.order })?.key {
            entries[oldest] = nil
        }
        entries[index] = Entry(key: key, order: nextOrder)
        nextOrder += 1
    }

    /// The stored indices, oldest first (for persistence and tests).
    var indicesByAge: [Index] {
        entries.sorted { $0.value.order < $1.value.order }.map(\.key)
    }

    /// The counter the next insertion takes; persisted with the state so eviction order survives a reload.
    var insertionCounter: UInt64 { nextOrder }

    /// Every stored key with its position in the eviction order, oldest first.
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
