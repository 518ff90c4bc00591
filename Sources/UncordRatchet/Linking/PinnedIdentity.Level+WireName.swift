extension PinnedIdentity.Level {
    /// The level as text: `unverified`, `verified` or `changed` (the link payload's `trust`).
    public var wireName: String {
        switch self {
        case .unverified: "unverified"
        case .verified: "verified"
        case .changed: "changed"
        }
    }

    /// The level a text names; `nil` for any other text (letter case counts).
    public init?(wireName: String) {
        switch wireName {
        case "unverified": self = .unverified
        case "verified": self = .verified
        case "changed": self = .changed
        default: return nil
        }
    }
}
