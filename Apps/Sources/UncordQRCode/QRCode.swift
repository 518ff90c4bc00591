import CQRencode

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A QR code as a square of modules, made by libqrencode (the only importer of it); drawn for a terminal with
/// ``terminalText(quietZone:lightBackground:)`` and as an image with ``png(scale:quietZone:)``.
///
/// ```swift
/// let code = try QRCode(encoding: safetyNumber.scannableText)
/// print(code.terminalText())
/// try Data(code.png()).write(to: url)
/// ```
public struct QRCode: Sendable, Equatable {
    /// How much of the code may be damaged and still read.
    public enum ErrorCorrection: Sendable, Equatable {
        /// About 7 %.
        case low
        /// About 15 % (the usual choice).
        case medium
        /// About 25 %.
        case quartile
        /// About 30 %.
        case high

        var level: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    /// Modules per side (21 for version 1, four more per version).
    public let size: Int
    /// The symbol's version, 1 to 40.
    public let version: Int
    /// `true` for a dark module, row by row.
    private let modules: [Bool]

    /// Encodes `text` (as UTF-8) in the smallest version that holds it; libqrencode picks the modes (numeric,
    /// alphanumeric, 8-bit) segment by segment.
    /// - Throws: ``QRCodeError/textTooLong(bytes:)``; ``QRCodeError/encodingFailed(reason:)``.
    public init(encoding text: String, correction: ErrorCorrection = .medium) throws(QRCodeError) {
        errno = 0
        guard let code = QRcode_encodeString(text, 0, correction.level, QR_MODE_8, 1) else {
            if errno == ERANGE { throw .textTooLong(bytes: text.utf8.count) }
            let reason = strerror(errno).map { String(cString: $0) } ?? "errno \(errno)"
            throw .encodingFailed(reason: reason)
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        size = width
        version = Int(code.pointee.version)
        // Bit 0 of each byte is the module's colour (1 = dark); the other bits describe its role.
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    /// Whether the module at (`row`, `column`) is dark; outside the symbol (the quiet zone) it is light.
    public subscript(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return modules[row * size + column]
    }
}
