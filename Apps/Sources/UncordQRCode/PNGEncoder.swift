import CZlib

/// Writes 8-bit grayscale PNG images (the PNG specification, ISO/IEC 15948): the signature, then the `IHDR`, `IDAT`
/// and `IEND` chunks, each with its length and CRC-32. The only importer of zlib, for the `IDAT` stream and the
/// CRCs.
enum PNGEncoder {
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A grayscale image of `width` × `height` pixels, `pixels` row by row (0 black, 255 white).
    static func grayscale(width: Int, height: Int, pixels: [UInt8]) throws(QRCodeError) -> [UInt8] {
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16, pixels.count == width * height else {
            throw .invalidParameter("a \(width) × \(height) image needs \(width * height) pixels, got \(pixels.count)")
        }
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]  // bit depth 8, colour type 0 (grayscale), deflate, filter set 0, no interlace
        // Each scanline starts with its filter type; 0 (none) suits an image of flat areas well enough.
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            scanlines.append(0)
            scanlines += pixels[(row * width)..<((row + 1) * width)]
        }
        return signature + chunk("IHDR", header) + chunk("IDAT", try deflate(scanlines)) + chunk("IEND", [])
    }

    /// One chunk: length, type, data, and the CRC-32 of type and data.
    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { buffer in
            crc32(crc32(0, nil, 0), buffer.baseAddress, uInt(buffer.count))
        }
        return bigEndian(UInt32(data.count)) + typed + bigEndian(UInt32(truncatingIfNeeded: crc))
    }

    /// A zlib stream (RFC 1950) of `bytes`, at the best compression.
    private static func deflate(_ bytes: [UInt8]) throws(QRCodeError) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let code = out.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                compress2(destination.baseAddress, &length, source.baseAddress, uLong(source.count), Z_BEST_COMPRESSION)
            }
        }
        guard code == Z_OK else { throw .compressionFailed(code: code) }
        return Array(out[..<Int(length)])
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
