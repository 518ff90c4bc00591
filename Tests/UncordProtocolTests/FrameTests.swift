import Testing
import UncordProtocol

@Suite("Gateway frames")
struct FrameTests {
    @Test("a dispatch frame reads every field and keeps d byte for byte")
    func dispatchFrame() throws {
        let d = #"{ "id" : "x\u00e9\ud83d\ude00" ,"n":[1, 2.5e-3 ,{}]"# + "\t\r\n }"
        let frame = try Frame(parsing: #"{"op":0,"s":42,"t":"DM_MESSAGE_CREATE","d":"# + d + "}")
        #expect(frame.op == .dispatch)
        #expect(frame.sequence == 42)
        #expect(frame.type == .dmMessageCreate)
        let data = try #require(frame.data)
        #expect(data.bytes == Array(d.utf8))
    }

    @Test("encoding writes op, s, t, d in order and d's value unchanged")
    func encodeRoundTrip() throws {
        let d = "[ \"\\u0041\\n\" ,\n null , true ]"
        let text = #"{"t":"READY", "d":  "# + d + "\n" + #", "s":7, "op":0, "extra":{"ignored":[1]}}"#
        let frame = try Frame(parsing: text)
        #expect(frame.data?.bytes == Array(d.utf8))
        let encoded = frame.encoded()
        #expect(Fixtures.text(encoded) == #"{"op":0,"s":7,"t":"READY","d":"# + d + "}")
        #expect(try Frame(parsing: encoded) == frame)
    }

    @Test("control frames omit absent fields")
    func controlFrames() throws {
        #expect(Fixtures.text(Frame(op: .heartbeat).encoded()) == #"{"op":1}"#)
        let ack = try Frame(parsing: #"{"op":11}"#)
        #expect(ack == Frame(op: .heartbeatAck))
        let invalid = try Frame(parsing: #"{"op":9,"d":false}"#)
        #expect(invalid.op == .invalidSession)
        #expect(try invalid.decodeData(as: Bool.self) == false)
    }

    @Test("explicit null for s, t and d means absent")
    func nullsAreAbsent() throws {
        let frame = try Frame(parsing: #"{"op":0,"s":null,"t":null,"d":null}"#)
        #expect(frame == Frame(op: .dispatch))
        #expect(Fixtures.text(frame.encoded()) == #"{"op":0}"#)
    }

    @Test("a dispatch without s (ephemeral) is a frame")
    func ephemeralDispatch() throws {
        let frame = try Frame(parsing: #"{"op":0,"t":"TYPING_START","d":{"user_id":"u"}}"#)
        #expect(frame.sequence == nil)
        #expect(frame.type == .typingStart)
        #expect(frame.data?.text == #"{"user_id":"u"}"#)
    }

    @Test("the event name's escapes are decoded")
    func escapedEventName() throws {
        let frame = try Frame(parsing: #"{"op":0,"t":"\u0052EADY\u005f"}"#)
        #expect(frame.type == .unknown("READY_"))
        let ready = try Frame(parsing: #"{"\u006fp":0,"t":"RE\u0041DY"}"#)
        #expect(ready.type == .ready)
    }

    @Test("an event name with quotes and control characters survives encoding")
    func eventNameEscaping() throws {
        let frame = Frame(op: .dispatch, type: DispatchEvent(rawValue: "A\"B\\C\u{01}\n"))
        let encoded = frame.encoded()
        #expect(Fixtures.text(encoded) == #"{"op":0,"t":"A\"B\\C\u0001\n"}"#)
        #expect(try Frame(parsing: encoded).type?.rawValue == "A\"B\\C\u{01}\n")
    }

    @Test("unknown opcodes and events pass through")
    func unknownPassThrough() throws {
        let frame = try Frame(parsing: #"{"op":42,"s":1,"t":"SOMETHING_NEW","d":{"a":1}}"#)
        #expect(frame.op.rawValue == 42)
        #expect(frame.op.name == nil)
        #expect(frame.type == .unknown("SOMETHING_NEW"))
        #expect(frame.type?.rawValue == "SOMETHING_NEW")
        #expect(Fixtures.text(frame.encoded()) == #"{"op":42,"s":1,"t":"SOMETHING_NEW","d":{"a":1}}"#)
    }

    @Test("extreme but valid op and s values")
    func boundaries() throws {
        let frame = try Frame(parsing: #"{"op":2147483647,"s":9223372036854775807}"#)
        #expect(frame.op.rawValue == Int32.max)
        #expect(frame.sequence == Int64.max)
        let zero = try Frame(parsing: #"{"op":0,"s":0}"#)
        #expect(zero.sequence == 0)
    }

    @Test("a payload decodes from d, and a missing d is named")
    func decodeData() throws {
        let frame = try Frame(parsing: #"{"op":10,"d":{"heartbeat_interval":41250}}"#)
        #expect(try frame.decodeData(as: Hello.self) == Hello(heartbeatInterval: .milliseconds(41250)))
        #expect(protocolError { try Frame(op: .hello).decodeData(as: Hello.self) } == .missingField(path: "d"))
    }

    @Test("a frame built from a payload encodes it")
    func payloadFrame() throws {
        let frame = try Frame(op: .identify, payload: Identify(token: "abc.def.ghi"))
        #expect(Fixtures.text(frame.encoded()) == #"{"op":2,"d":{"token":"abc.def.ghi"}}"#)
    }

    @Test("the string form never shows the payload")
    func descriptionHidesPayload() throws {
        let frame = try Frame(op: .identify, payload: Identify(token: "secret-token"))
        #expect(!frame.description.contains("secret"))
        #expect(frame.description.contains("identify (2)"))
    }

    @Test("-0 is the integer zero, as the server's Go decoder reads it")
    func negativeZero() throws {
        let frame = try Frame(parsing: #"{"op":-0,"s":-0}"#)
        #expect(frame.op == .dispatch)
        #expect(frame.sequence == 0)
        #expect(throws: ProtocolError.self) { try Frame(parsing: #"{"op":-00}"#) }  // not JSON at all
    }

    @Test(
        "text that breaks a frame rule gives the typed error",
        arguments: [
            ("[]", FrameViolation.notAnObject),
            ("\"op\"", .notAnObject),
            ("42", .notAnObject),
            ("null", .notAnObject),
            ("{}", .missingOpcode),
            (#"{"s":1,"t":"READY","d":{}}"#, .missingOpcode),
            (#"{"OP":1}"#, .missingOpcode),
            (#"{"op":null}"#, .invalidOpcode),
            (#"{"op":"1"}"#, .invalidOpcode),
            (#"{"op":-1}"#, .invalidOpcode),
            (#"{"op":1.0}"#, .invalidOpcode),
            (#"{"op":1e2}"#, .invalidOpcode),
            (#"{"op":1E0}"#, .invalidOpcode),
            (#"{"op":2147483648}"#, .invalidOpcode),
            (#"{"op":99999999999999999999999}"#, .invalidOpcode),
            (#"{"op":true}"#, .invalidOpcode),
            (#"{"op":[1]}"#, .invalidOpcode),
            (#"{"op":0,"s":-1}"#, .invalidSequence),
            (#"{"op":0,"s":1.5}"#, .invalidSequence),
            (#"{"op":0,"s":10.0}"#, .invalidSequence),
            (#"{"op":0,"s":1e3}"#, .invalidSequence),
            (#"{"op":0,"s":"5"}"#, .invalidSequence),
            (#"{"op":0,"s":9223372036854775808}"#, .invalidSequence),
            (#"{"op":0,"s":{}}"#, .invalidSequence),
            (#"{"op":0,"t":5}"#, .invalidEventType),
            (#"{"op":0,"t":true}"#, .invalidEventType),
            (#"{"op":0,"t":["READY"]}"#, .invalidEventType),
            (#"{"op":0,"t":{}}"#, .invalidEventType),
            (#"{"op":0,"op":0}"#, .duplicateField("op")),
            (#"{"op":0,"s":1,"s":2}"#, .duplicateField("s")),
            (#"{"op":0,"t":"A","t":null}"#, .duplicateField("t")),
            (#"{"op":0,"d":1,"\u0064":2}"#, .duplicateField("d")),
        ])
    func invalidFrames(text: String, violation: FrameViolation) {
        #expect(protocolError { try Frame(parsing: text) } == .invalidFrame(violation))
    }

    @Test("other top-level fields may repeat and hold anything")
    func otherFieldsIgnored() throws {
        let frame = try Frame(parsing: #"{"x":1,"x":[true],"op":7,"S":"no","T":1,"D":{}}"#)
        #expect(frame == Frame(op: .reconnect))
    }

    @Test(
        "text that is not JSON is refused as such",
        arguments: [
            "", " ", "{", "}", "{\"op\":1", "{\"op\":1}}", "{\"op\":1} x", "{'op':1}", "{op:1}", "{\"op\":01}",
            "{\"op\":1,}", "{\"op\":+1}", "{\"op\":.5}", "{\"op\":1.}", "{\"op\":1e}", "\u{FEFF}{\"op\":1}",
            "{\"op\":1,\"d\":tru}", "{\"op\":1,\"d\":NaN}", "{\"op\":1,\"d\":\"\\x\"}", "{\"op\":1,\"d\":[1,]}",
            "{\"op\":1,\"d\":\"\\ud800\"}", "{\"op\":1,\"d\":\"\\udc00\"}", "{\"op\":1,\"d\":\"a\nb\"}",
            "{\"op\":1 \"s\":2}", "{\"op\"1}", "[1 2]",
        ])
    func notJSON(text: String) {
        #expect(isNotJSON(protocolError { try Frame(parsing: text) }))
    }

    @Test("invalid UTF-8 anywhere is refused")
    func invalidUTF8() {
        let cases: [[UInt8]] = [
            [0xC0, 0x80],  // overlong NUL
            [0xE0, 0x80, 0x80],  // overlong
            [0xED, 0xA0, 0x80],  // an encoded surrogate
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xFF],
            [0xC3],  // truncated
            [0x80],  // a lone continuation byte
        ]
        for bad in cases {
            let text = Array(#"{"op":0,"d":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect(isNotJSON(protocolError { try Frame(parsing: text) }), "bytes \(bad)")
        }
        let good = Array(#"{"op":0,"d":""#.utf8) + [0xF0, 0x9F, 0x98, 0x80, 0xC3, 0xA9] + Array(#""}"#.utf8)
        #expect(protocolError { try Frame(parsing: good) } == nil)
    }

    @Test("the error offset points at the problem")
    func errorOffset() {
        #expect(
            protocolError { try Frame(parsing: #"{"op":1,]"#) }
                == .notJSON(offset: 8, reason: "expected a string key in an object"))
        #expect(
            protocolError { try Frame(parsing: #"{"op":01}"#) }
                == .notJSON(offset: 7, reason: "a number must not have a leading zero"))
        #expect(
            protocolError { try Frame(parsing: #"{"op":1,"d":"\udc00"}"#) }
                == .notJSON(offset: 19, reason: "a low surrogate escape without a high surrogate before it"))
    }

    @Test("nesting up to the limit parses, beyond it fails cleanly, and huge depth does not crash")
    func deepNesting() throws {
        func nested(_ depth: Int) -> String {
            #"{"op":0,"d":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        }
        // The frame object itself is one level.
        #expect(protocolError { try Frame(parsing: nested(511)) } == nil)
        #expect(isNotJSON(protocolError { try Frame(parsing: nested(512)) }))
        #expect(isNotJSON(protocolError { try Frame(parsing: nested(200_000)) }))
        let unclosed = #"{"op":0,"d":"# + String(repeating: #"{"a":"#, count: 100_000)
        #expect(isNotJSON(protocolError { try Frame(parsing: unclosed) }))
    }
}
