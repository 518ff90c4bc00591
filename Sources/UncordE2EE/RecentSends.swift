import Foundation
import UncordRatchet

/// This device's last ``limit`` sends by their content, oldest forgotten first, so their gateway echoes are shown
/// without a wrap (the sending device makes none for itself). A send forgotten here is still recognised from the
/// store: its history row once acknowledged, its outbox row until then.
struct RecentSends: Sendable {
    /// One send: its channel, its plaintext, and the first message id its echo came with.
    typealias Entry = (channel: UUID, payload: MessagePayload, messageID: UUID?)

    /// How many sends are remembered.
    let limit: Int
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var start = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The send whose request carried `content`, while remembered; setting one remembers it (a new content
    /// forgets the oldest beyond the limit), setting `nil` forgets it.
    subscript(content: String) -> Entry? {
        get { entries[content] }
        set {
            guard let newValue else {
                entries[content] = nil
                return
            }
            if entries.updateValue(newValue, forKey: content) == nil { order.append(content) }
            while entries.count > limit, start < order.count {
                entries[order[start]] = nil
                start += 1
            }
            if start > limit {  // compact now and then, so the array stays within twice the limit
                order.removeFirst(start)
                start = 0
            }
        }
    }

    /// How many sends are remembered.
    var count: Int { entries.count }
}
