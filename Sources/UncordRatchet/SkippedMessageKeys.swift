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

    var count: Int { entries.count }

    func key(for index: Index) -> SecureBytes? { entries[index]?.key }

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
}
