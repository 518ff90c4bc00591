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
        bytes.withUnsafeBytes { raw in
            let variant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING
            let capacity = sodium_base64_encoded_len(raw.count, variant)
            var output = [CChar](repeating: 0, count: capacity)
            let input = raw.bindMemory(to: UInt8.self)
            output.withUnsafeMutableBytes { out in
                // Writes `capacity - 1` characters and a terminator; it cannot fail for a correct capacity.
                _ = sodium_bin2base64(
                    UnsafeMutableRawPointer(out.bytes).assumingMemoryBound(to: CChar.self), capacity,
                    input.baseAddress, input.count, variant)
            }
            return String(decoding: output.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
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
        var output = [UInt8](repeating: 0, count: utf8.count / 4 * 3 + 3)
        var written = 0
        var consumed = 0
        let code = utf8.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                let chars = UnsafeRawPointer(input.bytes).assumingMemoryBound(to: CChar.self)
                var end: UnsafePointer<CChar>? = nil
                let code = sodium_base642bin(out.bytes, out.count, chars, input.count, nil, &written, &end, variant)
                if let end { consumed = end - chars }
                return code
            }
        }
        // sodium_base642bin stops early at the first character it does not accept, so the whole text must
        // have been consumed as well.
        guard code == 0, consumed == utf8.count else { throw notBase64 }
        output.removeSubrange(written...)
        return output
    }

    private static let notBase64 = CryptoError.invalidEncoding(
        "not standard base64 (A-Z, a-z, 0-9, '+', '/', optional '=' padding)")
}
