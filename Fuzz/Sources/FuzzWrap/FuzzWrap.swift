import FuzzSupport
import UncordCrypto
import UncordRatchet

/// The key wrap decoder (`KeyWrap(parsing:)`) and the ratchet header decoder inside it.
///
/// Properties: a refusal is `RatchetError.malformed` (no other case, no trap); a wrap that parses is exactly 138
/// (ratchet) or 210 (pre-key) bytes, its type byte matches whether it carries pre-key fields, and it encodes back to
/// the very input bytes; the same holds for a 41-byte header.
enum WrapTarget {
    static func run(_ bytes: [UInt8]) {
        do {
            let wrap = try KeyWrap(parsing: bytes)
            Fuzz.check(
                bytes.count == (wrap.preKey == nil ? KeyWrap.ratchetByteCount : KeyWrap.preKeyByteCount),
                "a wrap of \(bytes.count) bytes parsed")
            Fuzz.check(bytes[0] == (wrap.preKey == nil ? 1 : 2), "the type byte and the form disagree")
            Fuzz.check(wrap.encoded == bytes, "a wrap does not encode back to its bytes")
            Fuzz.check(wrap.preKey?.oneTimePreKeyID != 0, "an opk_id of 0 read as a key id")
        } catch {
            guard case .malformed = error else { Fuzz.fail("a wrap refused with \(error)") }
        }
        guard bytes.count >= RatchetHeader.byteCount else { return }
        let window = Array(bytes.suffix(RatchetHeader.byteCount))
        do {
            let header = try RatchetHeader(parsing: window)
            Fuzz.check(header.encoded == window, "a header does not encode back to its bytes")
        } catch {
            guard case .malformed = error else { Fuzz.fail("a header refused with \(error)") }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    WrapTarget.run(Fuzz.bytes(data, size))
    return 0
}

@_cdecl("FuzzWrap_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, test: testOneInput)
}
