import FuzzSupport
import UncordProtocol
import UncordRatchet

/// The JSON decoders of what a message carries: the decrypted payload (`MessagePayload(decoding:)`), the send body
/// an outbox keeps and the server stores (`SendMessageRequest`), and one key wrap entry (`EncryptedMessageKey`).
///
/// Properties: a payload refusal is `RatchetError.invalidPayload` naming a field the payload has (or none), never a
/// trap; every value that decodes encodes without error, decodes again to the same value, and encodes to the same
/// bytes the second time.
enum PayloadTarget {
    static let payloadFields: Set<String> = [
        "", "v", "type", "body", "sender_device", "sent_at", "reply_to", "edit_of",
    ]

    static func run(_ bytes: [UInt8]) {
        do {
            let payload = try MessagePayload(decoding: bytes)
            let encoded: [UInt8]
            do { encoded = try payload.encoded() } catch {
                Fuzz.fail("a payload decoded but does not encode: \(error)")
            }
            guard let again = try? MessagePayload(decoding: encoded) else { Fuzz.fail("a payload's encoding refused") }
            Fuzz.check(again == payload, "a payload changed through encode → decode")
            Fuzz.check((try? again.encoded()) == encoded, "a payload's encoding is not stable")
        } catch {
            guard case .invalidPayload(let field, _) = error else { Fuzz.fail("a payload refused with \(error)") }
            Fuzz.check(payloadFields.contains(field), "a payload refusal names the unknown field '\(field)'")
        }
        roundTrip(SendMessageRequest.self, bytes)
        roundTrip(EncryptedMessageKey.self, bytes)
    }

    static func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ bytes: [UInt8]) {
        guard let value = try? WireJSON.decode(type, from: bytes) else { return }
        let encoded: [UInt8]
        do { encoded = try WireJSON.encode(value) } catch { Fuzz.fail("\(type) decoded but does not encode: \(error)") }
        guard let again = try? WireJSON.decode(type, from: encoded) else { Fuzz.fail("\(type) refuses its encoding") }
        Fuzz.check(again == value, "\(type) changed through encode → decode")
        Fuzz.check((try? WireJSON.encode(again)) == encoded, "\(type) encoding is not stable")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    PayloadTarget.run(Fuzz.bytes(data, size))
    return 0
}

@_cdecl("FuzzPayload_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, test: testOneInput)
}
