import Foundation
import Testing
import UncordCrypto
import UncordRatchet

/// Content above Uncord's 4000 characters can only come from a hostile server or sender: it is refused before any
/// decryption, authentic or not (issue 9, the hostile-input catalogue's "content above 4000 characters").
@Suite("Content size limit")
struct ContentLimitTests {
    let key = SecureBytes(copying: [UInt8](repeating: 7, count: 32))
    let channel = UUID()
    let author = UUID()

    /// Authentic content around `payloadCount` bytes of payload, sealed without the sender's own limit check.
    func content(payloadCount: Int) throws -> [UInt8] {
        let nonce = [UInt8](repeating: 1, count: 24)
        let padded = try Padding.pad([UInt8](repeating: 0x61, count: payloadCount))
        let sealed = try XChaCha20Poly1305.seal(
            padded, key: key, nonce: nonce,
            authenticating: Array("UEDM1 Content".utf8) + withUnsafeBytes(of: channel.uuid) { Array($0) }
                + withUnsafeBytes(of: author.uuid) { Array($0) })
        return [ContentCipher.version] + nonce + sealed
    }

    @Test("The largest content a sender can post opens")
    func largestOpens() throws {
        let content = try content(payloadCount: 2943)
        #expect(content.count == 2985)
        #expect(ContentCipher.contentCharacters(forPayloadOf: 2943) == 3980)
        let opened = try ContentCipher.open(content, contentKey: key, channel: channel, author: author)
        #expect(opened.count == 2943)
    }

    @Test("One padding block more is refused, though authentic")
    func oversizedRefused() throws {
        let content = try content(payloadCount: 2944)
        #expect(throws: RatchetError.malformed("content is 3049 bytes (4066 characters), above 4000")) {
            try ContentCipher.open(content, contentKey: self.key, channel: self.channel, author: self.author)
        }
        #expect(throws: RatchetError.messageTooLong(characters: 4066)) {
            try ContentCipher.seal(
                payload: [UInt8](repeating: 0x61, count: 2944), contentKey: self.key,
                nonce: [UInt8](repeating: 1, count: 24), channel: self.channel, author: self.author)
        }
    }
}
