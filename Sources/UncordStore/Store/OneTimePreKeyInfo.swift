public import Foundation

/// A one-time pre-key as `uncord-keys prekeys list` shows it: id, state and creation time; never the private key.
public struct OneTimePreKeyInfo: Sendable, Equatable {
    /// Where a one-time pre-key stands.
    public enum State: String, Sendable, Equatable {
        /// Stored, not yet accepted by the server.
        case pending
        /// Accepted by the server and not yet used by a peer.
        case published
    }

    /// The key id.
    public var id: UInt32
    /// Its state.
    public var state: State
    /// When it was made.
    public var createdAt: Date?
}
