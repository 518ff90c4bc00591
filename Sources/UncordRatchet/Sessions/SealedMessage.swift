public import Foundation
import UncordCrypto
public import UncordProtocol

/// A message ready for Uncord: the encrypted content and one key wrap per recipient device, with the trust notices
/// the send raised.
public struct SealedMessage: Sendable, Equatable {
    /// One recipient device's key wrap.
    public struct AddressedWrap: Sendable, Equatable {
        /// The device the wrap is for.
        public var recipient: DeviceAddress
        /// The encoded wrap (138 bytes, or 210 for a pre-key wrap).
        public var bytes: [UInt8]

        /// A wrap for `recipient`.
        public init(recipient: DeviceAddress, bytes: [UInt8]) {
            self.recipient = recipient
            self.bytes = bytes
        }
    }

    /// The content bytes: `0x01 || nonce || ciphertext`.
    public var content: [UInt8]
    /// One wrap per recipient device, in the order users and devices were listed.
    public var wraps: [AddressedWrap]
    /// New pins and accepted identity changes met on the way.
    public var notices: [TrustNotice]

    /// A sealed message from its parts.
    public init(content: [UInt8], wraps: [AddressedWrap], notices: [TrustNotice] = []) {
        self.content = content
        self.wraps = wraps
        self.notices = notices
    }

    /// The content as Uncord's `content` field: unpadded base64.
    public var contentText: String { Base64.encode(content) }

    /// The wraps as Uncord's `message_keys`.
    public var messageKeys: [EncryptedMessageKey] {
        wraps.map { EncryptedMessageKey(recipient: .device($0.recipient.device), encryptedKey: $0.bytes) }
    }

    /// The body of `POST /dm/{channel_id}/messages`.
    public func request(replyTo: UUID? = nil) -> SendMessageRequest {
        SendMessageRequest(content: contentText, replyToID: replyTo, messageKeys: messageKeys)
    }
}
