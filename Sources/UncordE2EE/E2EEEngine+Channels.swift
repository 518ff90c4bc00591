public import Foundation
public import UncordProtocol
import UncordStore

extension E2EEEngine {
    /// The users known to be in `channel`: the ones named when it was opened or in an earlier send, and the
    /// authors of the messages received there. The server's channel objects do not name their members.
    public func channelMembers(_ channel: UUID) throws(E2EEError) -> [UUID] {
        try storeCall { try store.members(of: channel) }
    }

    /// Records that `users` are in `channel` (say, right after creating it), so later sends need not name them.
    ///
    /// ```swift
    /// let channel = try await api.createDMChannel(.direct(recipientID: bob))
    /// try await engine.rememberChannel(channel.id, members: [bob])
    /// let prepared = try await engine.prepareMessage(text: "hi", channel: channel.id, participants: [])
    /// ```
    public func rememberChannel(_ channel: UUID, members users: [UUID], kind: DMChannel.Kind? = nil) throws(E2EEError) {
        try storeCall { try store.rememberMembers(users, of: channel, kind: kind) }
    }

    /// The authors of group DM `channel` held as pending members (``AppEvent/memberAdded(channel:user:)``).
    public func pendingMembers(of channel: UUID) throws(E2EEError) -> [UUID] {
        try storeCall { try store.pendingMembers(of: channel) }
    }

    /// Confirms a pending member of `channel`: later sends wrap for their devices.
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when `user` is not pending there (nothing changes).
    public func confirmMember(_ user: UUID, of channel: UUID) throws(E2EEError) {
        guard try storeCall({ try store.confirmMember(user, of: channel) }) else { throw .unknownPeer(user) }
    }
}
