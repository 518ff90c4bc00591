/// Why a catch-up could not receive everything this device missed (``AppEvent/catchUpIncomplete(channel:reason:)``).
public enum CatchUpFailure: Sendable, Equatable {
    /// The server's DM channel list could not be read: channels this device has no stored message of were not
    /// caught up. `detail` is the server's error code, or the kind of failure.
    case channelListUnavailable(detail: String)
    /// A page of the channel's history could not be read (after the client's own retries). Nothing newer than it
    /// was received by this catch-up, so the next READY or RESUMED reads the channel again. `detail` is the server's
    /// error code, or the kind of failure.
    case historyUnavailable(detail: String)
}
