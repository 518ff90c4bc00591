import UncordConformance
import UncordProtocol

enum FrameVectors {
    /// Frame texts with what they must decode to; the Swift decoder is checked against each expectation as the
    /// file is written, and Vectors/check re-derives every one with Python's json module.
    static let cases: [(comment: String, json: String, expected: (op: Int64, s: Int64?, t: String?)?)] = [
        ("Hello from the server", #"{"op":10,"d":{"heartbeat_interval":41250}}"#, (10, nil, nil)),
        ("Identify from the client", #"{"op":2,"d":{"token":"eyJhbGciOi.x.y"}}"#, (2, nil, nil)),
        ("a heartbeat without d", #"{"op":1}"#, (1, nil, nil)),
        ("heartbeat ACK", #"{"op":11}"#, (11, nil, nil)),
        (
            "READY dispatch with a sequence", #"{"op":0,"s":1,"t":"READY","d":{"session_id":"abc","user":{"id":"u"}}}"#,
            (0, 1, "READY")
        ),
        (
            "DM_MESSAGE_CREATE with the largest sequence number",
            #"{"op":0,"s":9223372036854775807,"t":"DM_MESSAGE_CREATE","d":{}}"#,
            (0, 9_223_372_036_854_775_807, "DM_MESSAGE_CREATE")
        ),
        (
            "ephemeral dispatch (TYPING_START) without s", #"{"op":0,"t":"TYPING_START","d":{"channel_id":"c"}}"#,
            (0, nil, "TYPING_START")
        ),
        ("explicit nulls for s, t and d mean absent", #"{"op":7,"s":null,"t":null,"d":null}"#, (7, nil, nil)),
        ("invalid session with a boolean d", #"{"op":9,"d":false}"#, (9, nil, nil)),
        ("an unknown opcode is passed through", #"{"op":42,"d":[1,2,3]}"#, (42, nil, nil)),
        (
            "an unknown event name is passed through", #"{"op":0,"s":7,"t":"SOMETHING_NEW","d":{"x":1}}"#,
            (0, 7, "SOMETHING_NEW")
        ),
        ("the largest opcode", #"{"op":2147483647}"#, (2_147_483_647, nil, nil)),
        (
            "fields in another order, unknown fields ignored, whitespace around",
            " \n{\"d\" : {\"a\" : [ ] } , \"x\":true, \"t\":\"KEY_BUNDLE_LOW\",\"s\":3,\"op\":0}\t",
            (0, 3, "KEY_BUNDLE_LOW")
        ),
        (
            "an escaped event name", #"{"op":0,"s":2,"t":"IDENTITY_KEY_\u0043HANGED","d":{}}"#,
            (0, 2, "IDENTITY_KEY_CHANGED")
        ),
        ("s = 0", #"{"op":0,"s":0,"t":"RESUMED"}"#, (0, 0, "RESUMED")),
        ("not JSON", "op=0", nil),
        ("empty text", "", nil),
        ("a JSON array, not an object", "[0,1]", nil),
        ("a JSON string", #""{\"op\":0}""#, nil),
        ("missing op", #"{"s":1,"t":"READY","d":{}}"#, nil),
        ("op is a string", #"{"op":"0"}"#, nil),
        ("op is a boolean", #"{"op":true}"#, nil),
        ("op is null", #"{"op":null}"#, nil),
        ("op is negative", #"{"op":-1}"#, nil),
        ("op is 2^31", #"{"op":2147483648}"#, nil),
        ("op is a fraction", #"{"op":1.5}"#, nil),
        ("s is negative", #"{"op":0,"s":-1,"t":"READY"}"#, nil),
        ("s is 2^63", #"{"op":0,"s":9223372036854775808,"t":"READY"}"#, nil),
        ("s is a string", #"{"op":0,"s":"1","t":"READY"}"#, nil),
        ("t is a number", #"{"op":0,"s":1,"t":5}"#, nil),
        ("t is an object", #"{"op":0,"s":1,"t":{"name":"READY"}}"#, nil),
        ("truncated object", #"{"op":0,"s":1"#, nil),
        ("trailing garbage after the object", #"{"op":1}x"#, nil),
        ("two objects", #"{"op":1}{"op":1}"#, nil),
        ("malformed d", #"{"op":0,"d":{"a":}}"#, nil),
        ("a trailing comma", #"{"op":1,}"#, nil),
    ]

    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "frame",
            source: "Hand-written from PROTOCOL.md section 9 and the Uncord events package; Vectors/check re-derives "
                + "each expectation with Python's json module.")
        for (comment, json, expected) in cases {
            let parsed = try? Frame(parsing: Array(json.utf8))
            if let expected {
                guard let parsed, Int64(parsed.op.rawValue) == expected.op, parsed.sequence == expected.s,
                    parsed.type?.rawValue == expected.t
                else { throw GeneratorError("frame decoder disagrees: \(comment)") }
                file.add(
                    comment,
                    [
                        "json": .string(json), "op": .integer(expected.op),
                        "s": expected.s.map(JSONValue.integer) ?? .null,
                        "t": expected.t.map(JSONValue.string) ?? .null,
                    ])
            } else {
                guard parsed == nil else { throw GeneratorError("frame decoder accepted: \(comment)") }
                file.add(comment, valid: false, ["json": .string(json)])
            }
        }
        return file
    }
}
