public import Foundation
public import UncordCrypto

/// Safety numbers and device fingerprints (PROTOCOL.md section 8): libsignal's numeric-fingerprint construction,
/// version 0, 5200 iterations of SHA-512, over UEDM/1's encodings.
///
/// ```swift
/// let number = try SafetyNumber(user: me, identityKeys: myKeys, peer: them, peerIdentityKeys: theirKeys)
/// print(number.formatted)        // "12345 67890 … " (12 groups of 5)
/// let qr = number.scannableText  // "UEDM1-SN:" + 60 digits
/// ```
public struct SafetyNumber: Sendable, Hashable, CustomStringConvertible {
    /// Rounds of SHA-512.
    public static let iterations = 5200
    /// The prefix of the scannable (QR) form.
    public static let scannablePrefix = "UEDM1-SN:"

    /// The 60 digits: both users' 30-digit fingerprints, in ascending order.
    public let digits: String

    /// The safety number of two users, each given by their id and all their devices' identity keys.
    /// - Throws: ``RatchetError/malformed(_:)`` when either list of keys is empty.
    public init(
        user: UUID, identityKeys: [X25519.PublicKey], peer: UUID, peerIdentityKeys: [X25519.PublicKey]
    ) throws(RatchetError) {
        let own = try Self.fingerprint(user: user, identityKeys: identityKeys)
        let theirs = try Self.fingerprint(user: peer, identityKeys: peerIdentityKeys)
        digits = own < theirs ? own + theirs : theirs + own
    }

    /// Reads 60 digits, ignoring spaces (as a person types them from the formatted form).
    public init?(digits text: String) {
        let digits = text.filter { $0 != " " }
        guard digits.count == 60, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        self.digits = digits
    }

    /// The digits in 12 groups of 5, separated by spaces.
    public var formatted: String {
        stride(from: 0, to: 60, by: 5).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start..<digits.index(start, offsetBy: 5)])
        }.joined(separator: " ")
    }

    /// The text a QR code carries; equal on both sides, so scanning compares for equality.
    public var scannableText: String { Self.scannablePrefix + digits }

    public var description: String { formatted }

    /// A 30-digit fingerprint of one user's identity keys (or of one device, given one key).
    /// `keys` = the keys sorted bytewise and concatenated; `h = 0x00 0x00 || keys || uuid(user)`, then 5200 times
    /// `h = SHA-512(h || keys)`; bytes 0..29 as six 5-byte big-endian numbers, each mod 100000, 5 digits each.
    public static func fingerprint(user: UUID, identityKeys: [X25519.PublicKey]) throws(RatchetError) -> String {
        guard !identityKeys.isEmpty else { throw .malformed("a fingerprint needs at least one identity key") }
        let keys = identityKeys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }
        var hash = [0, 0] + keys + user.rfc4122Bytes
        for _ in 0..<iterations {
            var sha = SHA512()
            sha.update(hash)
            sha.update(keys)
            hash = sha.finalize()
        }
        return (0..<6).map { chunk in
            let value = hash[(chunk * 5)..<(chunk * 5 + 5)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            let text = String(value)
            return String(repeating: "0", count: 5 - text.count) + text
        }.joined()
    }
}
