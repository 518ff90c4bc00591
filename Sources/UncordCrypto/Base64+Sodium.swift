import CSodium
import Foundation

/// The libsodium base64 calls both ``Base64`` and ``Base64URL`` make, in one place.
enum SodiumBase64 {
    /// `bytes` as base64 text in `variant` (one of libsodium's `sodium_base64_VARIANT_*`).
    static func encode(_ bytes: some ContiguousBytes, variant: Int32) -> String {
        bytes.withUnsafeBytes { raw in
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

    /// The bytes of `utf8` (ASCII only: the caller refuses anything above 0x7F, which libsodium, reading signed
    /// `char`s, would take for a digit), or `nil` unless libsodium accepts and consumes the whole text.
    static func decode(_ utf8: [UInt8], variant: Int32) -> [UInt8]? {
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
        // sodium_base642bin stops early at the first character it does not accept, so the whole text must have been
        // consumed as well.
        guard code == 0, consumed == utf8.count else { return nil }
        output.removeSubrange(written...)
        return output
    }
}
