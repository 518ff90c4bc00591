public import Foundation

extension UUID {
    /// The length of ``wireText``.
    static let wireTextCount = 36

    /// The canonical lowercase text the wire uses (and the store's tables): `uuidString.lowercased()`, written
    /// directly, as it runs several times per message.
    public var wireText: String {
        String(unsafeUninitializedCapacity: Self.wireTextCount) { writeWireText(into: $0) }
    }

    /// Writes ``wireText``'s UTF-8 bytes at the start of `out` (at least 36 bytes) and returns their count.
    func writeWireText(into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withUnsafeBytes(of: uuid) { bytes in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            for (position, byte) in bytes.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    out[index] = UInt8(ascii: "-")
                    index += 1
                }
                out[index] = digits.utf8Start[Int(byte >> 4)]
                out[index + 1] = digits.utf8Start[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }
}
