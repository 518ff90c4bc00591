/// The machine-readable `code` of a server error; a code this version does not know is kept as it came.
public struct ServerErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire text, such as `UNKNOWN_DEVICE`.
    public let rawValue: String

    /// Wraps a wire text.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A key was not 32 bytes or a signature not 64 (400).
    public static let invalidKeyMaterial = ServerErrorCode(rawValue: "INVALID_KEY_MATERIAL")
    /// A one-time pre-key upload was empty or held more than 100 keys (400).
    public static let opkBatchTooLarge = ServerErrorCode(rawValue: "OPK_BATCH_TOO_LARGE")
    /// A key id or device id was already in use; a pre-key batch is then refused whole (409).
    public static let duplicateKeyID = ServerErrorCode(rawValue: "DUPLICATE_KEY_ID")
    /// The user already has the most devices allowed, five (409).
    public static let maxDevicesReached = ServerErrorCode(rawValue: "MAX_DEVICES_REACHED")
    /// The user has no device with a complete key bundle (404).
    public static let keyBundleIncomplete = ServerErrorCode(rawValue: "KEY_BUNDLE_INCOMPLETE")
    /// The device named in the request is not registered (404).
    public static let unknownDevice = ServerErrorCode(rawValue: "UNKNOWN_DEVICE")
    /// The request had no valid access token (401).
    public static let unauthorised = ServerErrorCode(rawValue: "UNAUTHORISED")
    /// The access token has expired; refresh it and retry (401).
    public static let tokenExpired = ServerErrorCode(rawValue: "TOKEN_EXPIRED")
    /// A refresh token was already spent, has expired or is unknown; sign in again (401).
    public static let tokenReused = ServerErrorCode(rawValue: "TOKEN_REUSED")
    /// The email address or the password is wrong (401).
    public static let invalidCredentials = ServerErrorCode(rawValue: "INVALID_CREDENTIALS")
    /// A ticket or token in the body is not valid (400).
    public static let invalidToken = ServerErrorCode(rawValue: "INVALID_TOKEN")
    /// The account needs a second factor (an older server's answer to a login; 403).
    public static let mfaRequired = ServerErrorCode(rawValue: "MFA_REQUIRED")
    /// The request body could not be parsed.
    public static let invalidBody = ServerErrorCode(rawValue: "INVALID_BODY")
    /// A request field failed validation.
    public static let validationError = ServerErrorCode(rawValue: "VALIDATION_ERROR")
    /// The resource does not exist.
    public static let notFound = ServerErrorCode(rawValue: "NOT_FOUND")
    /// The request body was too large.
    public static let payloadTooLarge = ServerErrorCode(rawValue: "PAYLOAD_TOO_LARGE")
    /// Too many requests; slow down.
    public static let rateLimited = ServerErrorCode(rawValue: "RATE_LIMITED")
    /// The server failed in a way that is not the request's fault.
    public static let internalError = ServerErrorCode(rawValue: "INTERNAL_ERROR")
    /// The server is temporarily unavailable.
    public static let serviceUnavailable = ServerErrorCode(rawValue: "SERVICE_UNAVAILABLE")

    /// Reads the code from a JSON string.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Writes the code as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The wire text.
    public var description: String { rawValue }
}
