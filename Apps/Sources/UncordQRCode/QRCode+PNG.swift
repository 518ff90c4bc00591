extension QRCode {
    /// The code as a PNG image: black modules on white, each `scale` pixels square, inside a quiet zone of
    /// `quietZone` modules (4, as the QR specification asks).
    /// - Throws: ``QRCodeError/invalidParameter(_:)`` for a scale outside 1…64 or a quiet zone outside 0…16;
    ///   ``QRCodeError/compressionFailed(code:)``.
    public func png(scale: Int = 8, quietZone: Int = 4) throws(QRCodeError) -> [UInt8] {
        guard (1...64).contains(scale) else { throw .invalidParameter("scale \(scale) is not 1 to 64") }
        guard (0...16).contains(quietZone) else { throw .invalidParameter("quiet zone \(quietZone) is not 0 to 16") }
        let side = (size + 2 * quietZone) * scale
        var pixels = [UInt8](repeating: 255, count: side * side)
        for row in 0..<size {
            for column in 0..<size where self[row, column] {
                let top = (row + quietZone) * scale
                let left = (column + quietZone) * scale
                for y in top..<(top + scale) {
                    pixels.replaceSubrange(
                        (y * side + left)..<(y * side + left + scale), with: repeatElement(0, count: scale))
                }
            }
        }
        return try PNGEncoder.grayscale(width: side, height: side, pixels: pixels)
    }
}
