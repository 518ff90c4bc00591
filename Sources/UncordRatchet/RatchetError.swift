public import Foundation
public import UncordCrypto

/// The one error type of ``UncordRatchet``. No case carries secret bytes; every authentication failure (bad tag,
/// bad signature, bad digest) is ``authenticationFailed(_:)``, with the reason kept for local logs.
public enum RatchetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bundle's signed pre-key signature did not verify; the bundle was not used and nothing was stored.
    case invalidSignedPreKeySignature
    /// A pre-key message names a one-time pre-key this device does not have (unknown, or already consumed —
    /// a replay sign). Never silently downgraded to X3DH without the fourth DH.
    case unknownOneTimePreKey(id: UInt32)
    /// A pre-key message names a signed pre-key this device does not have (or whose grace period has ended).
    case unknownSignedPreKey(id: UInt32)
    /// A header would skip more than 1000 message keys in one chain.
    case tooManySkippedMessages
    /// The message was already decrypted (its key is gone): a replay or a duplicate delivery.
    case duplicateMessage
    /// A tag, digest or signature did not verify. The reason is for local logs only.
    case authenticationFailed(AuthenticationReason)
    /// Bytes that should be a header, wrap or content are not; the text says which part and why.
    case malformed(String)
    /// The plaintext would make content longer than Uncord's 4000 characters.
    case messageTooLong(characters: Int)
    /// The decrypted payload is not a valid UEDM/1 payload; `field` names the offending field.
    case invalidPayload(field: String, reason: String)
    /// This session cannot send yet: a responder sends only after its first received message.
    case sendingChainMissing
    /// A chain's message counter would pass 2^32 − 1.
    case counterExhausted
    /// A scripted key source ran out of keys (tests and vectors only).
    case keySourceExhausted
    /// A primitive refused its input (a low-order key, a wrong length).
    case crypto(CryptoError)
    /// The device's identity key differs from the one pinned for it and the trust policy refused the change;
    /// nothing was stored.
    case identityChanged(DeviceAddress)
    /// A pre-key wrap carries an identity key that is not the one pinned for its user (or no key is pinned yet) and
    /// the trust policy pins keys only from device lists (LINKED_DEVICES.md A2); nothing was stored.
    case foreignIdentityKey(DeviceAddress)
    /// A ratchet wrap came from a device this device has no session with.
    case noSession(DeviceAddress)
    /// Sending needs a pre-key bundle the caller did not supply: for `device`, which has no session, or, when
    /// `device` is `nil`, the user's device list, which is not known yet.
    case preKeyBundleRequired(user: UUID, device: UUID?)
    /// The message carries no key wrap for this device.
    case notAddressedToThisDevice

    /// Why an authentication check failed, for logs and tests.
    public enum AuthenticationReason: String, Sendable, Equatable {
        /// The AEAD tag of a ratchet message did not verify.
        case messageTag
        /// The AEAD tag of the content did not verify.
        case contentTag
        /// The wrap's digest does not match the content it came with.
        case contentDigest
        /// The payload's `sender_device` differs from the wrap's sender device.
        case senderDeviceMismatch
    }

    public var description: String {
        switch self {
        case .invalidSignedPreKeySignature: "the signed pre-key signature is invalid"
        case .unknownOneTimePreKey(let id): "unknown or already used one-time pre-key \(id)"
        case .unknownSignedPreKey(let id): "unknown signed pre-key \(id)"
        case .tooManySkippedMessages: "the message would skip more than 1000 message keys"
        case .duplicateMessage: "the message was already decrypted"
        case .authenticationFailed: "authentication failed"
        case .malformed(let detail): "malformed: \(detail)"
        case .messageTooLong(let characters): "the content would be \(characters) characters; the limit is 4000"
        case .invalidPayload(let field, let reason): "invalid payload field \(field): \(reason)"
        case .sendingChainMissing: "the session cannot send before it has received a message"
        case .counterExhausted: "the chain's message counter is exhausted"
        case .keySourceExhausted: "the key source has no more keys"
        case .crypto(let error): error.description
        case .identityChanged(let address): "the identity key of \(address) changed and the change was not accepted"
        case .foreignIdentityKey(let address): "the identity key of \(address) is not the one pinned for its user"
        case .noSession(let address): "no session with \(address)"
        case .preKeyBundleRequired(let user, let device?):
            "no session with \(DeviceAddress(user: user, device: device)) and no pre-key bundle for it"
        case .preKeyBundleRequired(let user, nil): "the devices of user \(user.uuidString.lowercased()) are not known"
        case .notAddressedToThisDevice: "the message has no key wrap for this device"
        }
    }
}

extension RatchetError {
    /// Runs a primitive and wraps its error.
    static func wrapping<T>(_ body: () throws(CryptoError) -> T) throws(RatchetError) -> T {
        do { return try body() } catch { throw .crypto(error) }
    }
}
