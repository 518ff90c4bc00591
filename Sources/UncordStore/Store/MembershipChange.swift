/// What receiving a message from a user who was not a known member of its channel did (issue 13: members grow only
/// with the app's consent).
public enum MembershipChange: Sendable, Equatable {
    /// The channel had no other known member: its first other author became one.
    case added
    /// A group DM's new author is held as pending and not wrapped for until confirmed
    /// (``SQLiteStore/confirmMember(_:of:)``); reported once.
    case pending
    /// Already pending: not reported again.
    case stillPending
    /// A 1:1 DM already has its two members: the author never becomes one.
    case refused
}
