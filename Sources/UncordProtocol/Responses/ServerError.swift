/// The failure body of an Uncord REST answer: `{"error": {"code": "<CODE>", "message": "<text>"}}`.
///
/// It is an `Error`, so a client can throw it as it came. The message is the server's text, for logs; branch on
/// ``code``.
public struct ServerError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// What went wrong, for code to branch on.
    public var code: ServerErrorCode
    /// The server's explanation (empty when the server gave none).
    public var message: String

    /// An error body with the given code and message.
    public init(code: ServerErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    private enum CodingKeys: String, CodingKey {
        case error
    }

    private enum ErrorKeys: String, CodingKey {
        case code
        case message
    }

    /// Reads `{"error": {"code", "message"}}`; an absent message reads as empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let error = try container.nestedContainer(keyedBy: ErrorKeys.self, forKey: .error)
        code = try error.decode(ServerErrorCode.self, forKey: .code)
        message = try error.decodeIfPresent(String.self, forKey: .message) ?? ""
    }

    /// Writes `{"error": {"code", "message"}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var error = container.nestedContainer(keyedBy: ErrorKeys.self, forKey: .error)
        try error.encode(code, forKey: .code)
        try error.encode(message, forKey: .message)
    }

    /// `CODE: message`.
    public var description: String {
        message.isEmpty ? code.rawValue : "\(code.rawValue): \(message)"
    }
}
