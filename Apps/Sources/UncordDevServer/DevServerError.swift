public import HTTPTypes
public import UncordProtocol

/// A request the development server refuses: the HTTP status and the `{"error": {"code", "message"}}` body.
///
/// The message never repeats a key, a token or message content.
public struct DevServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status of the answer.
    public var status: HTTPResponse.Status
    /// The machine-readable code.
    public var code: ServerErrorCode
    /// A short explanation for people.
    public var message: String

    /// An error answer with `status`, `code` and `message`.
    public init(_ status: HTTPResponse.Status, _ code: ServerErrorCode, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `STATUS CODE: message`.
    public var description: String { "\(status.code) \(code.rawValue): \(message)" }

    /// The wire body of this error.
    var body: ServerError { ServerError(code: code, message: message) }

    static func unauthorised(_ message: String) -> DevServerError { .init(.unauthorized, .unauthorised, message) }
    static func invalidBody(_ message: String) -> DevServerError { .init(.badRequest, .invalidBody, message) }
    static func validation(_ message: String) -> DevServerError { .init(.badRequest, .validationError, message) }
    static func notFound(_ message: String) -> DevServerError { .init(.notFound, .notFound, message) }
    static func unknownDevice() -> DevServerError { .init(.notFound, .unknownDevice, "unknown device") }
    static func notParticipant() -> DevServerError {
        .init(.forbidden, .notParticipant, "not a participant of this DM channel")
    }
    static func invalidKeyMaterial(_ message: String) -> DevServerError {
        .init(.badRequest, .invalidKeyMaterial, message)
    }
    static func duplicateKeyID(_ message: String) -> DevServerError { .init(.conflict, .duplicateKeyID, message) }
    static func rateLimited(_ message: String) -> DevServerError { .init(.tooManyRequests, .rateLimited, message) }
    static func internalError(_ message: String) -> DevServerError {
        .init(.internalServerError, .internalError, message)
    }

    /// The fields that hold keys, signatures or wraps: unpadded standard base64 on the wire.
    static let keyMaterialFields: Set<String> = ["identity_key", "public_key", "signature", "encrypted_key"]

    /// The answer to a body that ``WireJSON`` could not read: key and signature fields map to
    /// `INVALID_KEY_MATERIAL`, the pre-key batch size to `OPK_BATCH_TOO_LARGE`, anything else to `INVALID_BODY`.
    static func decoding(_ error: ProtocolError) -> DevServerError {
        guard case .malformedField(let path, _) = error else { return .invalidBody(error.description) }
        let field = path.split(separator: ".").last.map(String.init) ?? path
        if keyMaterialFields.contains(field) {
            return .invalidKeyMaterial(error.description)
        }
        if path == "pre_keys" { return .init(.badRequest, .opkBatchTooLarge, error.description) }
        return .invalidBody(error.description)
    }
}

extension ServerErrorCode {
    /// 403: the caller is not a participant of the DM channel, or the channel does not exist.
    static let notParticipant = ServerErrorCode(rawValue: "NOT_PARTICIPANT")
    /// 409: a group DM would hold more than 10 participants.
    static let groupDMFull = ServerErrorCode(rawValue: "GROUP_DM_FULL")
}
