import Foundation
import FuzzSupport
import UncordCrypto
import UncordRatchet

/// The content decoder (`ContentCipher.open`: version, length, AEAD, padding) and the base64 decoder that turns
/// Uncord's `content` text into bytes. The first input byte picks the mode:
/// - 0: the rest is content as received. It cannot authenticate unless it is a genuine content (a seed), and a
///   content that opens must be exactly what sealing its plaintext again with its nonce gives.
/// - 1: the rest is a padded plaintext, sealed here under the fixed key so the AEAD passes and the padding and
///   payload checks see arbitrary bytes. It opens exactly when it is canonical ISO/IEC 7816-4 padding to a
///   multiple of 64 bytes, and then pads back to the same bytes; otherwise the refusal is `malformed`.
/// - 2: the rest is base64 text. A refusal is `invalidEncoding`; accepted text re-encodes to itself without its
///   padding, and decodes again to the same bytes.
/// Every refusal is a typed error; content above Uncord's 4000 characters is refused before any decryption.
enum ContentTarget {
    static let key = SecureBytes(copying: [UInt8](repeating: 0x4b, count: 32))
    static let channel = UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))
    static let author = UUID(uuid: (16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1))

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        switch input.byte() % 3 {
        case 0: openReceived(input.rest())
        case 1: openAuthenticated(nonce: input.take(24), padded: input.rest())
        default: decodeBase64(input.rest())
        }
    }

    static func openReceived(_ content: [UInt8]) {
        do {
            let plaintext = try ContentCipher.open(content, contentKey: key, channel: channel, author: author)
            let resealed = try ContentCipher.seal(
                payload: plaintext.exportBytes(), contentKey: key, nonce: Array(content[1..<25]), channel: channel,
                author: author)
            Fuzz.check(resealed == content, "a content opened that is not what sealing its plaintext gives")
        } catch {
            checkRefusal(error, content: content)
        }
    }

    static func openAuthenticated(nonce: [UInt8], padded: [UInt8]) {
        guard nonce.count == 24 else { return }
        let sealed: [UInt8]
        do {
            sealed = try XChaCha20Poly1305.seal(
                padded, key: key, nonce: nonce,
                authenticating: Array("UEDM1 Content".utf8) + bytes(of: channel)
                    + bytes(of: author))
        } catch {
            Fuzz.fail("sealing failed: \(error)")
        }
        let content = [ContentCipher.version] + nonce + sealed
        let canonical = isCanonicallyPadded(padded)
        do {
            let plaintext = try ContentCipher.open(content, contentKey: key, channel: channel, author: author)
            Fuzz.check(canonical, "non-canonical padding was accepted")
            Fuzz.check(withinLimit(content), "content above 4000 characters was opened")
            let unpadded = plaintext.exportBytes()
            Fuzz.check(
                (try? Padding.pad(unpadded))?.exportBytes() == padded,
                "an opened content does not pad back to its plaintext")
            if let payload = try? MessagePayload(decoding: unpadded) {
                Fuzz.check(
                    (try? MessagePayload(decoding: payload.encoded())) == payload, "a payload changed through encoding")
            }
        } catch {
            checkRefusal(error, content: content)
            Fuzz.check(!canonical || padded.count < 64 || !withinLimit(content), "a genuine content was refused")
        }
    }

    static func decodeBase64(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let decoded = try Base64.decode(text)
            var unpadded = Substring(text)
            while unpadded.hasSuffix("=") { unpadded.removeLast() }
            Fuzz.check(Base64.encode(decoded) == unpadded, "accepted base64 is not canonical")
            Fuzz.check((try? Base64.decode(Base64.encode(decoded))) == decoded, "base64 does not round-trip")
        } catch {
            guard case .invalidEncoding = error else { Fuzz.fail("base64 refused with \(error)") }
        }
    }

    /// Content refusals: `malformed` or `authenticationFailed(.contentTag)`, never another case.
    static func checkRefusal(_ error: RatchetError, content: [UInt8]) {
        switch error {
        case .malformed, .authenticationFailed(.contentTag): break
        default: Fuzz.fail("content refused with \(error)")
        }
        if !withinLimit(content) {
            guard case .malformed = error else { Fuzz.fail("oversized content reached decryption: \(error)") }
        }
    }

    static func withinLimit(_ content: [UInt8]) -> Bool {
        (content.count * 4 + 2) / 3 <= ContentCipher.maximumCharacters
    }

    /// ISO/IEC 7816-4 to a non-zero multiple of 64: `0x80` after the data, then only zeros.
    static func isCanonicallyPadded(_ padded: [UInt8]) -> Bool {
        guard !padded.isEmpty, padded.count % 64 == 0 else { return false }
        guard let last = padded.lastIndex(where: { $0 != 0 }) else { return false }
        return padded[last] == 0x80 && padded.count - last <= 64
    }

    static func bytes(of id: UUID) -> [UInt8] { withUnsafeBytes(of: id.uuid) { Array($0) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ContentTarget.run(Fuzz.bytes(data, size))
    return 0
}

@_cdecl("FuzzContent_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, test: testOneInput)
}
