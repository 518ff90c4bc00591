/// Byte strings to look for, indexed by their first 8 bytes, so that a search is linear in what is searched however
/// many there are; each carries the label a find reports.
struct NeedleIndex {
    private static let prefixLength = 8
    private var needles: [UInt64: [(needle: [UInt8], label: String)]] = [:]

    /// Adds `needle` (shorter than 8 bytes: ignored, too short to say anything).
    mutating func insert(_ needle: [UInt8], _ label: String) {
        guard needle.count >= Self.prefixLength else { return }
        let key = needle.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        needles[key, default: []].append((needle, label))
    }

    /// The labels of the needles that occur in `bytes`.
    func labels(in bytes: [UInt8]) -> Set<String> {
        guard bytes.count >= Self.prefixLength else { return [] }
        var found: Set<String> = []
        bytes.withUnsafeBytes { raw in
            for offset in 0...(raw.count - Self.prefixLength) {
                guard let candidates = needles[raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)] else {
                    continue
                }
                for (needle, label) in candidates where offset + needle.count <= raw.count {
                    if raw[offset..<(offset + needle.count)].elementsEqual(needle) { found.insert(label) }
                }
            }
        }
        return found
    }
}
