import UncordProtocol

/// `frame`: `json` → `op`, `s` (or null), `t` (or null); `invalid` when the text is not a frame.
enum FrameFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let text = try vector.string("json")
        let frame = try vector.outcome { try Frame(parsing: Array(text.utf8)) }
        guard let frame else { return }
        let op = try vector.integer("op")
        guard Int64(frame.op.rawValue) == op else {
            throw VectorFailure("op: expected \(op), got \(frame.op.rawValue)")
        }
        let sequence = try vector.optionalInteger("s")
        guard frame.sequence == sequence else {
            throw VectorFailure(
                "s: expected \(sequence.map(String.init) ?? "null"), got \(frame.sequence.map(String.init) ?? "null")")
        }
        let type = try vector.optionalString("t")
        guard frame.type?.rawValue == type else {
            throw VectorFailure("t: expected \(type ?? "null"), got \(frame.type?.rawValue ?? "null")")
        }
    }
}
