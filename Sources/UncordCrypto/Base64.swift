import CSodium
public import Foundation

/// Base64 as the Uncord wire uses it: the standard alphabet, written without padding (Go's `RawStdEncoding`).
///
/// The decoder accepts unpadded and correctly padded text and rejects everything else: other alphabets,
/// whitespace, misplaced or partial padding, and trailing bits that are not zero.
///
/// ```swift
/// let text = Base64.encode([0xde, 0xad])   // "3q0"
/// let bytes = try Base64.decode("3q0=")    // [0xde, 0xad]
/// ```
public enum Base64 {
    /// Encodes bytes as unpadded standard base64.
    public static func encode(_ bytes: some ContiguousBytes) -> String {
        SodiumBase64.encode(bytes, variant: sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
    }

    /// Decodes standard base64, padded or not.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` for anything that is not exactly that.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        try Sodium.ensureInitialized()
        let utf8 = Array(text.utf8)
        if utf8.isEmpty { return [] }
        // libsodium reads the text as C `char`s, signed here, and its constant-time decoding maps every byte above
        // 0x7F to some digit: such bytes are refused before it sees them (found by the FuzzContent target).
        guard utf8.allSatisfy({ $0 < 0x80 }) else { throw notBase64 }
        let padded = utf8.last == UInt8(ascii: "=")
        if padded && utf8.count % 4 != 0 {
            throw .invalidEncoding("base64 padding must complete a 4-character group")
        }
        let variant = padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING
        guard let bytes = SodiumBase64.decode(utf8, variant: variant) else { throw notBase64 }
        return bytes
    }

    private static let notBase64 = CryptoError.invalidEncoding(
        "not standard base64 (A-Z, a-z, 0-9, '+', '/', optional '=' padding)")
}
