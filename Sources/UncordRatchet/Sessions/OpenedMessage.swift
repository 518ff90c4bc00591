/// A decrypted message: its payload, the device that sent it, and what the receive found on the way.
public struct OpenedMessage: Sendable, Equatable {
    /// The checked payload.
    public var payload: MessagePayload
    /// The sending user (as the server attests it) and device (as the wrap and payload agree).
    public var sender: DeviceAddress
    /// `true` when the message was a pre-key wrap that started a new session.
    public var startedSession: Bool
    /// New pins and accepted identity changes met on the way.
    public var notices: [TrustNotice]

    /// An opened message from its parts.
    public init(payload: MessagePayload, sender: DeviceAddress, startedSession: Bool, notices: [TrustNotice] = []) {
        self.payload = payload
        self.sender = sender
        self.startedSession = startedSession
        self.notices = notices
    }
}
