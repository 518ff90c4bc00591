public import Foundation

extension UUID {
    /// The 16 raw bytes of the UUID in RFC 4122 (network) order: `uuid(x)` in the protocol text.
    public var rfc4122Bytes: [UInt8] {
        withUnsafeBytes(of: uuid) { Array($0) }
    }

    /// Writes the 16 raw bytes (``rfc4122Bytes``) into `buffer`, which must be 16 bytes long.
    func writeRFC4122Bytes(into buffer: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes(of: uuid) { buffer.copyMemory(from: $0) }
    }
}
