/// The one error type of ``UncordCrypto``.
///
/// Every authentication failure — a bad AEAD tag, a bad signature, a rejected public key in a
/// signature check — surfaces as ``authenticationFailed(_:)``. Its ``AuthenticationFailure`` reason is meant
/// for the local log: callers should branch on the case, never show the reason to a peer.
/// No case ever carries secret bytes.
public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An input had the wrong number of bytes, for example a 31-byte public key.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// Text that should be hex or base64 is not; the associated value says what was wrong.
    case invalidEncoding(String)
    /// X25519 produced the all-zero value: the peer's public key is a low-order point.
    case lowOrderPoint
    /// A tag, signature or key failed to authenticate. The reason is for local logs only.
    case authenticationFailed(AuthenticationFailure)
    /// ISO/IEC 7816-4 padding was malformed, or a block size or length was out of range.
    case invalidPadding
    /// A parameter is outside the range the primitive allows (an HKDF length over 8160, Argon2id limits).
    case invalidParameter(String)
    /// libsodium reported a failure that is not about the input (it could not initialise or allocate).
    case libraryFailure(function: String, code: Int32)

    public var description: String {
        switch self {
        case .invalidLength(let what, let expected, let actual):
            return "\(what) must be \(expected) bytes, got \(actual)"
        case .invalidEncoding(let detail):
            return "invalid encoding: \(detail)"
        case .lowOrderPoint:
            return "the public key is a low-order point (the X25519 result is all zero)"
        case .authenticationFailed:
            return "authentication failed"
        case .invalidPadding:
            return "invalid ISO/IEC 7816-4 padding"
        case .invalidParameter(let detail):
            return "invalid parameter: \(detail)"
        case .libraryFailure(let function, let code):
            return "libsodium \(function) failed with code \(code)"
        }
    }
}

/// Why an authentication check failed. For local logs and tests only; see ``CryptoError``.
public enum AuthenticationFailure: String, Sendable, Equatable, CustomStringConvertible {
    /// The AEAD tag did not verify (wrong key, nonce, associated data, or tampered ciphertext).
    case aeadTagMismatch
    /// A Montgomery `u` coordinate was not below p = 2^255 − 19 (bit 255 set included).
    case publicKeyOutOfRange
    /// The Edwards form of the signer's key is not a valid prime-order point.
    case publicKeyNotValidPoint
    /// The signature's `s` half was not below the group order q.
    case nonCanonicalScalar
    /// The Ed25519 equation did not hold.
    case signatureMismatch

    public var description: String { rawValue }
}
