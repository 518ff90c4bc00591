/// The one error type of ``UncordQRCode``.
public enum QRCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text does not fit in the largest QR code (version 40) at the chosen error correction.
    case textTooLong(bytes: Int)
    /// libqrencode failed for another reason; `reason` is its `errno` text.
    case encodingFailed(reason: String)
    /// An image parameter is out of range; `detail` names it.
    case invalidParameter(String)
    /// zlib could not compress the image; `code` is its return code.
    case compressionFailed(code: Int32)

    public var description: String {
        switch self {
        case .textTooLong(let bytes): "\(bytes) bytes do not fit in a QR code"
        case .encodingFailed(let reason): "the QR code could not be made: \(reason)"
        case .invalidParameter(let detail): "invalid QR code image parameter: \(detail)"
        case .compressionFailed(let code): "the PNG image could not be compressed (zlib code \(code))"
        }
    }
}
