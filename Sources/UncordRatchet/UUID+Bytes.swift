public import Foundation

extension UUID {
    /// The 16 raw bytes of the UUID in RFC 4122 (network) order: `uuid(x)` in the protocol text.
    public var rfc4122Bytes: [UInt8] {
        withUnsafeBytes(of: uuid) { Array($0) }
    }
}
