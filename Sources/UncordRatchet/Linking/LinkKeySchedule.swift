import Foundation
import UncordCrypto

/// The derivations of LINKED_DEVICES.md A4 that both devices compute: the key `K`, the AEAD's associated data, the
/// six-digit codes, and the text forms of `R` and `S`.
enum LinkKeySchedule {
    /// `"UEDM1 Link"`, the prefix of the HKDF info and of the associated data.
    static let label = Array("UEDM1 Link".utf8)
    static let linkCodeLabel = Array("UEDM1 LinkCode".utf8)
    static let confirmationLabel = Array("UEDM1 LinkConfirm".utf8)
    static let zeroSalt = [UInt8](repeating: 0, count: 32)

    /// `K = HKDF(salt = 0x00*32, ikm = DH(ephemeral, peer), info = "UEDM1 Link" || R || E_o.pub, L = 32)`.
    static func key(
        ephemeral: X25519.PrivateKey, peer: X25519.PublicKey, request: [UInt8], existingKey: X25519.PublicKey
    ) throws(LinkError) -> SecureBytes {
        do {
            let shared = try X25519.sharedSecret(ephemeral, peer)
            return try HKDF.deriveKey(
                salt: zeroSalt, ikm: shared, info: label + request + existingKey.bytes, length: 32)
        } catch .lowOrderPoint {
            throw .lowOrderKey
        } catch {
            throw .crypto(error)
        }
    }

    /// `"UEDM1 Link" || R || 0x01 || E_o.pub`.
    static func associatedData(request: [UInt8], existingKey: X25519.PublicKey) -> [UInt8] {
        label + request + [LinkResponse.version] + existingKey.bytes
    }

    /// `u32be(H256("UEDM1 LinkConfirm" || K)[0..4]) mod 1000000`, six digits. `K` and the digest are wiped.
    static func confirmationCode(key: SecureBytes) -> String {
        let input = SecureBytes(count: confirmationLabel.count + key.count) { out in
            confirmationLabel.withUnsafeBytes { out.copyMemory(from: $0) }
            key.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: out[confirmationLabel.count...]).copyMemory(from: $0)
            }
        }
        var digest = SHA256.hash(input)
        defer { _ = digest.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return sixDigits(digest)
    }

    /// `u32be(H256("UEDM1 LinkCode" || R)[0..4]) mod 1000000`, six digits.
    static func linkCode(request: [UInt8]) -> String {
        sixDigits(SHA256.hash(linkCodeLabel + request))
    }

    /// The first four bytes of `digest`, big-endian, mod 1000000, zero-padded to six digits.
    static func sixDigits(_ digest: [UInt8]) -> String {
        let value = digest[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: 6 - text.count) + text
    }

    /// The bytes of `prefix` + base64url text, surrounding white space ignored; `nil` when the prefix is missing.
    /// - Throws: `CryptoError.invalidEncoding(_:)` when what follows the prefix is not unpadded base64url.
    static func decodeText(_ text: String, prefix: String) throws(CryptoError) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.starts(with: prefix.utf8) else { return nil }
        return try Base64URL.decode(String(decoding: trimmed.utf8.dropFirst(prefix.utf8.count), as: UTF8.self))
    }
}
