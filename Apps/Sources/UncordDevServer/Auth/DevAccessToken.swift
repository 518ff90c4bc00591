import Foundation
import UncordCrypto

/// The development server's access tokens: JWTs signed with HMAC-SHA256 under a key drawn when the server starts,
/// `{"sub": user, "iat", "exp"}` — the shape of the real server's, so a client can read when one expires — plus the
/// never-expiring `dev:<user-uuid>` of earlier versions.
struct DevAccessToken: Sendable {
    /// Why a token was refused.
    enum Refusal: Error, Equatable {
        /// Not a token this server issued, or altered.
        case invalid
        /// Issued here, but past its `exp`.
        case expired
    }

    private let key: SecureBytes
    /// How long an issued token is valid.
    let lifetime: Duration
    private let now: @Sendable () -> Date

    /// A signer with a fresh key.
    init(lifetime: Duration, random: any RandomSource = SystemRandom(), now: @escaping @Sendable () -> Date = Date.init)
    {
        key = SecureBytes(copying: random.bytes(32))
        self.lifetime = lifetime
        self.now = now
    }

    /// A new token for `user`, with its expiry.
    func issue(for user: UUID) -> (token: String, expires: Date) {
        let issued = now()
        let expires = issued.addingTimeInterval(Double(lifetime.components.seconds))
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims =
            #"{"sub":"\#(user.wireText)","iat":\#(Int(issued.timeIntervalSince1970)),"exp":\#(Int(expires.timeIntervalSince1970))}"#
        let signed = header + "." + Base64URL.encode(Array(claims.utf8))
        return (signed + "." + Base64URL.encode(signature(signed)), expires)
    }

    /// The user a token signs in: a `dev:<uuid>` token, or a JWT issued here and not expired.
    func user(of token: String) -> Result<UUID, Refusal> {
        if let user = DevToken.user(fromToken: token) { return .success(user) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let mac = try? Base64URL.decode(String(parts[2])),
            SecureBytes(copying: mac) == SecureBytes(copying: signature(parts[0] + "." + parts[1])),
            let payload = try? Base64URL.decode(String(parts[1])),
            let claims = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            let subject = claims["sub"] as? String, let user = UUID(uuidString: subject),
            let exp = claims["exp"] as? NSNumber
        else { return .failure(.invalid) }
        guard now().timeIntervalSince1970 < exp.doubleValue else { return .failure(.expired) }
        return .success(user)
    }

    private func signature(_ text: some StringProtocol) -> [UInt8] {
        HMACSHA256.authenticate(Array(text.utf8), key: key).withUnsafeBytes { Array($0) }
    }
}
