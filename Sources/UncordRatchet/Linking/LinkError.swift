public import UncordCrypto

/// Why linking a new device (LINKED_DEVICES.md A4) refused a request, a response or a payload.
///
/// No case carries secret bytes: payload problems name the field and the rule, never a value. Every failure to
/// authenticate a response — a bad tag, or a response made for another request — is ``authenticationFailed``.
public enum LinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request's bytes or text are not a request: a wrong length, a missing `UEDM1-LINK:` prefix, text that
    /// is not unpadded base64url. The text says which.
    case malformedRequest(String)
    /// The response's bytes or text are not a response: shorter than 1 + 32 + 24 + 16 + 64 bytes, a missing
    /// `UEDM1-LINKED:` prefix, text that is not unpadded base64url. The text says which.
    case malformedResponse(String)
    /// A request or response starts with a version byte other than `0x01`.
    case unsupportedVersion(UInt8)
    /// An ephemeral public key is a low-order point: the X25519 result would be all zero, so no key can be agreed.
    case lowOrderKey
    /// The ephemeral private key given to open a response is not the one whose public key the request carries.
    case ephemeralKeyMismatch
    /// The response's tag did not verify: it was tampered with, or made for another request.
    case authenticationFailed
    /// The decrypted payload is not a valid link payload; the text names the field and the rule (never a value).
    case invalidPayload(String)
    /// The payload's private key does not belong to the `identity_key` it states.
    case identityKeyMismatch
    /// A nonce that is not 24 bytes was given to seal a response.
    case invalidNonce(byteCount: Int)
    /// The response came more than ``LinkRequest/lifetime`` after the request was shown.
    case expired
    /// A primitive failed for a reason that is not about the input (libsodium could not initialise).
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case .malformedRequest(let detail): "not a link request: \(detail)"
        case .malformedResponse(let detail): "not a link response: \(detail)"
        case .unsupportedVersion(let version): "unsupported link format version \(version) (only 1 is known)"
        case .lowOrderKey: "the ephemeral key is a low-order point (the X25519 result is all zero)"
        case .ephemeralKeyMismatch: "the ephemeral private key does not belong to this request"
        case .authenticationFailed: "the link response did not authenticate (tampered, or made for another request)"
        case .invalidPayload(let detail): "invalid link payload: \(detail)"
        case .identityKeyMismatch: "the payload's private key does not match its identity_key"
        case .invalidNonce(let count): "a link response nonce must be 24 bytes, got \(count)"
        case .expired: "the link request expired (a response must come within 10 minutes)"
        case .crypto(let error): error.description
        }
    }
}
