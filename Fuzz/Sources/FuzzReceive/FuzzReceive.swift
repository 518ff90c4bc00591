import Foundation
import FuzzSupport
import UncordCrypto
import UncordRatchet

/// The receive path of a session in a fixed state: `SessionCipher.open(content:wrap:channel:author:in:)` on Bob's
/// device (``ReceiveFixture``) with a store that starts from the same state for every input.
///
/// The input picks one of the genuine messages in flight, how it is routed (channel, server-attested author), and
/// one way to change it — a whole new wrap, bit flips in the wrap or the content, surgery on the header and
/// pre-key fields (low-order and non-canonical keys, numbers near 0, 1000 and 2^32, other sender devices, version
/// bytes), or arbitrary wrap and content bytes.
///
/// Properties:
/// - a refusal is a `RatchetError` and commits nothing;
/// - whatever opens is a genuine message, unchanged: its content, channel, author, sender device and payload are
///   those of one of the fixture's messages (nothing can be forged or re-routed), and it commits exactly once;
/// - opening the same input again is refused and commits nothing (no message decrypts twice);
/// - a genuine message that is deliverable in the fixed state, given unchanged, opens.
enum ReceiveTarget {
    static let fixture = ReceiveFixture.shared
    static let cipher = SessionCipher(keyPairs: RandomKeyPairs(DeterministicRandom(seed: 7)))

    /// Low-order points of Curve25519 and non-canonical encodings of them (libsodium's blocklist).
    static let specialKeys: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
            0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
        ],
        [
            0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
            0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
        ],
        [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [UInt8](repeating: 0xff, count: 32),
    ]

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let mode = input.byte() % 4
        let genuine = fixture.messages[Int(input.byte()) % fixture.messages.count]
        let routing = input.byte()
        var content = genuine.content
        var wrap = genuine.wrap
        let channel = routing & 0x01 == 0 ? genuine.channel : fixture.otherChannel
        let authors = [genuine.sender.user] + fixture.users
        let author = authors[Int(routing >> 1) % authors.count]
        var unchanged = false
        switch mode {
        case 0:
            wrap = input.rest()
        case 1:
            unchanged = input.isAtEnd
            while !input.isAtEnd {
                let target = input.byte()
                let position = Int(input.uint16())
                let mask = input.byte()
                if target & 1 == 0 {
                    wrap[position % wrap.count] ^= mask
                } else {
                    content[position % content.count] ^= mask
                }
            }
        case 2:
            operate(on: &wrap, &input)
        default:
            wrap = input.take(Int(input.uint16()) % 256)
            content = input.rest()
        }
        check(
            content: content, wrap: wrap, channel: channel, author: author,
            mustOpen: unchanged && genuine.opens && channel == genuine.channel && author == genuine.sender.user)
    }

    /// Header and pre-key field surgery, steered by the input.
    static func operate(on wrap: inout [UInt8], _ input: inout FuzzInput) {
        let preKey = wrap[0] == 2
        let header = preKey ? 89 : 17
        let choice = input.byte()
        if choice & 0x01 != 0 { replaceKey(in: &wrap, at: header + 1, &input) }
        if choice & 0x02 != 0 { write(number(&input), into: &wrap, at: header + 33) }
        if choice & 0x04 != 0 { write(number(&input), into: &wrap, at: header + 37) }
        if choice & 0x08 != 0, preKey { replaceKey(in: &wrap, at: 17, &input) }
        if choice & 0x10 != 0, preKey { replaceKey(in: &wrap, at: 49, &input) }
        if choice & 0x20 != 0, preKey {
            write(number(&input), into: &wrap, at: 81)
            write(number(&input), into: &wrap, at: 85)
        }
        if choice & 0x40 != 0 {
            let devices = fixture.devices + [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))]
            let device = devices[Int(input.byte()) % devices.count]
            wrap.replaceSubrange(1..<17, with: withUnsafeBytes(of: device.uuid) { Array($0) })
        }
        if choice & 0x80 != 0 { wrap[header] = input.byte() }
    }

    /// A low-order or non-canonical key, or the key already there with bit 255 set.
    static func replaceKey(in wrap: inout [UInt8], at offset: Int, _ input: inout FuzzInput) {
        let pick = Int(input.byte()) % (specialKeys.count + 1)
        if pick == specialKeys.count {
            wrap[offset + 31] ^= 0x80
        } else {
            wrap.replaceSubrange(offset..<(offset + 32), with: specialKeys[pick])
        }
    }

    /// A number near 0, near the skip limit, near 2^32, or any.
    static func number(_ input: inout FuzzInput) -> UInt32 {
        let small = UInt32(input.byte())
        switch input.byte() % 4 {
        case 0: return small
        case 1: return 990 &+ small % 20
        case 2: return UInt32.max &- small
        default: return input.uint32()
        }
    }

    static func write(_ value: UInt32, into wrap: inout [UInt8], at offset: Int) {
        for index in 0..<4 { wrap[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
    }

    static func check(content: [UInt8], wrap: [UInt8], channel: UUID, author: UUID, mustOpen: Bool) {
        let store = ForkedStore(base: fixture.bob)
        let opened: OpenedMessage
        do {
            opened = try cipher.open(content: content, wrap: wrap, channel: channel, author: author, in: store)
        } catch is RatchetError {
            Fuzz.check(store.commits == 0, "a refused message changed the state")
            Fuzz.check(!mustOpen, "a genuine deliverable message was refused")
            return
        } catch {
            Fuzz.fail("a receive failed with an untyped error: \(error)")
        }
        guard let genuine = fixture.messages.first(where: { $0.content == content }) else {
            Fuzz.fail("a content that no sender sealed opened")
        }
        Fuzz.check(store.commits == 1, "an opened message committed \(store.commits) times")
        Fuzz.check(genuine.opens, "\(genuine.name) opened although it was already received or is a replay")
        Fuzz.check(opened.payload == genuine.payload, "\(genuine.name) opened to another payload")
        Fuzz.check(opened.sender == genuine.sender, "\(genuine.name) opened as sent by \(opened.sender)")
        Fuzz.check(channel == genuine.channel, "\(genuine.name) opened in another channel")
        Fuzz.check(author == genuine.sender.user, "\(genuine.name) opened under another author")
        do {
            _ = try cipher.open(content: content, wrap: wrap, channel: channel, author: author, in: store)
            Fuzz.fail("\(genuine.name) decrypted twice")
        } catch is RatchetError {
            Fuzz.check(store.commits == 1, "a refused replay changed the state")
        } catch {
            Fuzz.fail("a replay failed with an untyped error: \(error)")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ReceiveTarget.run(Fuzz.bytes(data, size))
    return 0
}

@_cdecl("FuzzReceive_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = ReceiveTarget.fixture
    return Fuzz.main(argc, argv, test: testOneInput)
}
