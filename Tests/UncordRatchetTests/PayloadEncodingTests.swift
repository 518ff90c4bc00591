import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet

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
}
