public import Foundation

/// A signed pre-key as `uncord-keys prekeys list` shows it: id, times and whether the server has it; never the
/// private key.
public struct SignedPreKeyInfo: Sendable, Equatable {
    /// The key id.
    public var id: UInt32
    /// When it was made.
    public var createdAt: Date?
    /// When a newer key replaced it; `nil` for the current key. A retired key is kept 30 days for messages in
    /// flight.
    public var retiredAt: Date?
    /// `true` once the server accepted it.
    public var isPublished: Bool

    /// `true` for the key in use.
    public var isCurrent: Bool { retiredAt == nil }
}
