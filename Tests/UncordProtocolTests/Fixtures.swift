import Foundation
import Testing
import UncordProtocol

/// Shared sample values. Byte fields use simple counting patterns so their base64 can be checked by hand.
enum Fixtures {
    /// Bytes `start, start + 1, …` (wrapping), `count` of them.
    static func bytes(_ count: Int, from start: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: Int(start) + $0) }
    }

    /// 32 bytes 0x01…0x20 and their unpadded base64.
    static let keyA = bytes(32, from: 0x01)
    static let keyABase64 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"
    /// The same key with `=` padding, which decoders must also accept.
    static let keyABase64Padded = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    /// 32 bytes 0x40…0x5F.
    static let keyB = bytes(32, from: 0x40)
    static let keyBBase64 = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8"
    /// 64 bytes 0x80…0xBF.
    static let signature = bytes(64, from: 0x80)
    static let signatureBase64 =
        "gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+vw"
    /// 31 bytes 0x01…0x1F: one byte short of a key.
    static let shortKeyBase64 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw"
    /// A 138-byte ratchet wrap.
    static let wrap = bytes(138, from: 0x07)
    static let wrapBase64 =
        "BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRkdISUpLTE1OT1BR"
        + "UlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+Q"

    static let userA = uuid("0b9f6a52-3c1e-4f7a-9d2b-6e8c1a4f5d30")
    static let userB = uuid("7c2e9d41-8a5b-4c3f-b1e6-2d9f0a8b7c64")
    static let deviceA = uuid("a1b2c3d4-e5f6-4789-8abc-def012345678")
    static let deviceB = uuid("f0e1d2c3-b4a5-4697-8877-665544332211")
    static let channel = uuid("3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7")
    static let message = uuid("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d")

    /// A UUID from known-good text; a typo here fails loudly as the nil UUID.
    static func uuid(_ text: String) -> UUID {
        UUID(uuidString: text) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    }

    /// The UTF-8 of `text` as a string of the bytes.
    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// The error `body` throws, or `nil` when it succeeds. Any other error type is recorded as a test failure.
func protocolError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ProtocolError? {
    do {
        _ = try body()
        return nil
    } catch let error as ProtocolError {
        return error
    } catch {
        Issue.record("expected a ProtocolError, got \(type(of: error))", sourceLocation: sourceLocation)
        return nil
    }
}

/// Whether `error` is a ``ProtocolError/notJSON(offset:reason:)``.
func isNotJSON(_ error: ProtocolError?) -> Bool {
    if case .notJSON = error { return true }
    return false
}
