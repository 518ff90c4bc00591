import FuzzSupport
import UncordProtocol

/// The gateway frame decoder (`Frame(parsing:)`) and the decoders of the event payloads the engine reads.
///
/// Properties: a refusal is `ProtocolError.notJSON` or `.invalidFrame`, never a field case and never a trap; a frame
/// that parses encodes to text that parses to the same frame and encodes to the same bytes again; its `d` is a
/// byte-for-byte slice of the input; every payload type that decodes `d` survives encode → decode unchanged.
enum FrameTarget {
    static func run(_ bytes: [UInt8]) {
        let frame: Frame
        do {
            frame = try Frame(parsing: bytes)
        } catch {
            switch error {
            case .notJSON, .invalidFrame: return
            case .missingField, .wrongType, .malformedField: Fuzz.fail("a frame refused with a field error: \(error)")
            }
        }
        let encoded = frame.encoded()
        guard let again = try? Frame(parsing: encoded) else { Fuzz.fail("a frame's encoding does not parse") }
        Fuzz.check(again == frame, "a frame changed through encode → parse")
        Fuzz.check(again.encoded() == encoded, "a frame's encoding is not stable")
        guard let data = frame.data else { return }
        Fuzz.check(contains(bytes, data.bytes), "d is not a slice of the input")
        roundTrip(Message.self, data)
        roundTrip(MessageDelete.self, data)
        roundTrip(KeyBundleLow.self, data)
        roundTrip(IdentityKeyChanged.self, data)
        roundTrip(Ready.self, data)
        roundTrip(Hello.self, data)
        roundTrip(DMChannel.self, data)
    }

    /// A payload that decodes must encode, and decode again to the same value.
    static func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ data: RawJSON) {
        guard let value = try? data.decode(as: type) else { return }
        let encoded: [UInt8]
        do { encoded = try WireJSON.encode(value) } catch { Fuzz.fail("\(type) decoded but does not encode: \(error)") }
        do {
            let again = try WireJSON.decode(type, from: encoded)
            Fuzz.check(again == value, "\(type) changed through encode → decode")
        } catch {
            Fuzz.fail("\(type) does not decode its own encoding: \(error)")
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FrameTarget.run(Fuzz.bytes(data, size))
    return 0
}

@_cdecl("FuzzFrame_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, test: testOneInput)
}
