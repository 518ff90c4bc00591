import CSodium
public import Foundation

/// Base64url (RFC 4648 section 5) without padding: the alphabet of URLs and file names, `-` and `_` in place of
/// `+` and `/`. UEDM/1 writes device-linking requests and responses this way (LINKED_DEVICES.md A4).
///
/// Unlike ``Base64``, the decoder accepts no padding at all, and refuses the standard alphabet's `+` and `/`,
/// whitespace, and trailing bits that are not zero, so every byte string has exactly one text.
///
/// ```swift
/// let text = Base64URL.encode([0xfb, 0xff])   // "-_8"
/// let bytes = try Base64URL.decode("-_8")     // [0xfb, 0xff]
/// ```
public enum Base64URL {
    /// Encodes bytes as unpadded base64url.
    public static func encode(_ bytes: some ContiguousBytes) -> String {
        SodiumBase64.encode(bytes, variant: sodium_base64_VARIANT_URLSAFE_NO_PADDING)
    }

    /// Decodes unpadded base64url.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` for padding, a character outside `A-Z a-z 0-9 - _`, a length
    ///   that cannot end a group (one character past a multiple of four), or trailing bits that are not zero.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        try Sodium.ensureInitialized()
        let utf8 = Array(text.utf8)
        if utf8.isEmpty { return [] }
        if utf8.contains(UInt8(ascii: "=")) {
            throw .invalidEncoding("base64url text must not be padded with '='")
        }
        // libsodium reads the text as C `char`s, signed here: bytes above 0x7F are refused before it sees them.
        guard utf8.allSatisfy(isAlphabet) else {
            throw .invalidEncoding("not base64url: only A-Z, a-z, 0-9, '-' and '_' may appear")
        }
        guard let bytes = SodiumBase64.decode(utf8, variant: sodium_base64_VARIANT_URLSAFE_NO_PADDING) else {
            throw .invalidEncoding("not base64url: the text is cut short or its last character has stray bits")
        }
        return bytes
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
