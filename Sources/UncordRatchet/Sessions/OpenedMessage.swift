public import UncordCrypto

/// A decrypted message: its payload, the device that sent it, and what the receive found on the way.
public struct OpenedMessage: Sendable, Equatable {
    /// The checked payload.
    public var payload: MessagePayload
    /// The sending user (as the server attests it) and device (as the wrap and payload agree).
    public var sender: DeviceAddress
    /// The identity key of the session that decrypted it: a message is labelled by this key's trust, never by a pin
    /// that replaced it.
    public var identityKey: X25519.PublicKey
    /// `true` when the message was a pre-key wrap that started a new session.
    public var startedSession: Bool
    /// New pins and accepted identity changes met on the way.
    public var notices: [TrustNotice]

    /// An opened message from its parts.
    public init(
        payload: MessagePayload, sender: DeviceAddress, identityKey: X25519.PublicKey, startedSession: Bool,
        notices: [TrustNotice] = []
    ) {
        self.payload = payload
        self.sender = sender
        self.identityKey = identityKey
        self.startedSession = startedSession
        self.notices = notices
    }
}
