import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordTestSupport

@testable import UncordRatchet

/// ``MessagePayload/encoded()`` writes its JSON directly; it must equal what the `Codable` path of ``WireJSON``
/// writes for the same payload, byte for byte (Docs/PERFORMANCE.md).
@Suite("Payload encoding")
struct PayloadEncodingTests {
    @Test("The direct encoding equals WireJSON's, for every kind of text and optional field")
    func directEqualsCodable() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("PayloadEncodingTests seed \(seed)")
        var rng = SplitMix64(seed: seed)
        let alphabet: [Character] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "€", "😀", "{",
            "}", ":", ",", "\u{2028}",
        ]
        for index in 0..<3_000 {
            let length = Int.random(in: 0...300, using: &rng)
            let body = String((0..<length).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
            let payload = MessagePayload(
                type: index % 7 == 0 ? "custom \"type\"" : "text", body: body, senderDevice: rng.uuid(),
                sentAt: index % 5 == 0 ? "2025-01-01T00:00:00.123+02:00" : "2025-01-01T00:00:00Z",
                replyTo: index % 3 == 0 ? rng.uuid() : nil, editOf: index % 4 == 0 ? rng.uuid() : nil)
            #expect(try payload.encoded() == WireJSON.encode(payload), "seed \(seed), payload \(index)")
            #expect(try MessagePayload(decoding: payload.encoded()) == payload)
        }
    }

    @Test("The direct reading of canonical bytes equals WireJSON's, and declines whatever is not canonical")
    func directReadingEqualsCodable() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("directReadingEqualsCodable seed \(seed)")
        var rng = SplitMix64(seed: seed)
        // Half the bodies need escapes (which the direct reading declines), half do not.
        let escaping: [Character] = ["a", "\"", "\\", "\n", "\u{1}"]
        let plain: [Character] = ["a", "Z", " ", "é", "😀", "\u{7f}", "}", ",", "\u{2028}"]
        var accepted = 0
        for index in 0..<3_000 {
            let alphabet = index % 4 < 2 ? plain : plain + escaping
            let body = String(
                (0..<Int.random(in: 0...80, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
            let payload = MessagePayload(
                body: body, senderDevice: rng.uuid(), sentAt: "2025-01-01T00:00:00Z",
                replyTo: index % 3 == 0 ? rng.uuid() : nil, editOf: index % 4 == 0 ? rng.uuid() : nil)
            var bytes = try payload.encoded()
            if index % 2 == 1 {
                // Damage: a changed byte, a cut, or an upper-case UUID digit.
                switch Int.random(in: 0...2, using: &rng) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
                default:
                    bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "a", with: "A").utf8)
                }
            }
            let general = try? WireJSON.decode(MessagePayload.self, from: bytes)
            if let direct = MessagePayload.decodeCanonical(bytes) {
                accepted += 1
                #expect(direct == general, "seed \(seed), payload \(index)")
            }
            #expect((try? MessagePayload(decoding: bytes)) == general, "seed \(seed), payload \(index)")
        }
        #expect(accepted > 500)
    }
}
