import CSodium
public import Foundation

/// ISO/IEC 7816-4 padding (`sodium_pad` / `sodium_unpad`): a `0x80` byte, then zeros up to the next multiple of
/// the block size. At least one byte is always added, so 64 bytes pad to 128.
public enum Padding {
    /// The block size UEDM/1 pads content to.
    public static let blockSize = 64

    /// Pads secret bytes; the result is secret too.
    public static func pad(_ data: some ContiguousBytes, blockSize: Int = Padding.blockSize) throws(CryptoError)
        -> SecureBytes
    {
        guard blockSize > 0 else { throw .invalidParameter("padding block size must be positive") }
        let count = data.withUnsafeBytes { $0.count }
        let padded = (count / blockSize + 1) * blockSize
        return try SecureBytes(count: padded) { (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            data.withUnsafeBytes { out.bytes.update(from: $0.bytes, count: count) }
            var written = 0
            let code = sodium_pad(&written, out.bytes, count, blockSize, padded)
            try Sodium.check(code, or: .invalidPadding)
            guard written == padded else { throw .invalidPadding }
        }
    }

    /// Removes the padding. Throws ``CryptoError/invalidPadding`` when the length is not a positive multiple of
    /// the block size or the padding is malformed.
    public static func unpad(_ padded: SecureBytes, blockSize: Int = Padding.blockSize) throws(CryptoError)
        -> SecureBytes
    {
        guard blockSize > 0, padded.count > 0, padded.count % blockSize == 0 else { throw .invalidPadding }
        var unpadded = 0
        let code = padded.withUnsafeBytes {
            sodium_unpad(&unpadded, $0.bytes, padded.count, blockSize)
        }
        try Sodium.check(code, or: .invalidPadding)
        return padded.slice(0..<unpadded)
    }
}
