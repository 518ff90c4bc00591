/// The payload of ``Opcode/identify``, which opens a session: `{"token": jwt}`.
///
/// The token is a credential, so ``description`` and ``debugDescription`` leave it out.
public struct Identify: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The JWT access token.
    public var token: String

    /// An identify with the given access token.
    public init(token: String) {
        self.token = token
    }

    private enum CodingKeys: String, CodingKey {
        case token
    }

    /// `Identify(token: <redacted>)`.
    public var description: String { "Identify(token: <redacted>)" }
    /// Same as ``description``: the token never reaches logs.
    public var debugDescription: String { description }
}
