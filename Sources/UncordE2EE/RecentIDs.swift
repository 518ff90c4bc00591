import Foundation

/// The last ``limit`` ids remembered, oldest forgotten first: which messages this engine has already handed to the
/// app, so a replay is dropped while a message another process stored first is still delivered once here.
struct RecentIDs: Sendable {
    /// How many ids are remembered.
    let limit: Int
    private var members: Set<UUID> = []
    private var order: [UUID] = []
    private var start = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Whether `id` is remembered.
    func contains(_ id: UUID) -> Bool { members.contains(id) }

    /// Remembers `id`; answers `false` when it was already remembered.
    @discardableResult
    mutating func insert(_ id: UUID) -> Bool {
        guard members.insert(id).inserted else { return false }
        order.append(id)
        if members.count > limit {
            members.remove(order[start])
            start += 1
            if start > limit {  // compact now and then, so the array stays within twice the limit
                order.removeFirst(start)
                start = 0
            }
        }
        return true
    }
}
