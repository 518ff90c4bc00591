/// One gateway message: `{"op": int, "s": int?, "t": string?, "d": any?}`.
///
/// `d` is kept as the exact bytes it had in the received text, so a frame the engine does not act on can be handed
/// to the app unchanged. An explicit `null` for `s`, `t` or `d` reads as absent, and fields other than these four are
/// ignored. Parsing refuses text that is not one strict JSON object, an object without `op`, an `op` outside
/// 0…2^31−1, an `s` outside 0…2^63−1, a `t` that is not a string, and any of the four fields given twice; `op` and
/// `s` must be plain integer literals (`1.0` and `1e2` are refused; `-0` is zero, as Go reads it).
///
/// ```swift
/// let frame = try Frame(parsing: messageText)
/// if frame.type == .keyBundleLow { let low = try frame.decodeData(as: KeyBundleLow.self) }
/// let heartbeat = Frame(op: .heartbeat).encoded()   // {"op":1}
/// ```
public struct Frame: Sendable, Equatable, CustomStringConvertible {
    /// What kind of frame this is (`op`).
    public var op: Opcode
    /// The dispatch sequence number (`s`); absent on control frames and on ephemeral dispatches such as typing.
    public var sequence: Int64?
    /// The dispatch event name (`t`); absent on control frames.
    public var type: DispatchEvent?
    /// The payload (`d`): the bytes of its JSON value exactly as received (the whitespace around the value is not
    /// part of it).
    public var data: RawJSON?

    /// A frame from its parts.
    public init(op: Opcode, sequence: Int64? = nil, type: DispatchEvent? = nil, data: RawJSON? = nil) {
        self.op = op
        self.sequence = sequence
        self.type = type
        self.data = data
    }

    /// A frame whose `d` is `payload` as ``WireJSON`` writes it, such as an ``Identify`` for ``Opcode/identify``.
    public init(op: Opcode, payload: some Encodable) throws(ProtocolError) {
        self.init(op: op, data: try RawJSON(encoding: payload))
    }

    /// Reads a frame from the UTF-8 text of one WebSocket message.
    /// - Throws: ``ProtocolError/notJSON(offset:reason:)`` when the text is not JSON,
    ///   ``ProtocolError/invalidFrame(_:)`` when it is JSON but breaks a frame rule.
    public init(parsing bytes: some Collection<UInt8>) throws(ProtocolError) {
        self = try Frame.parse(Array(bytes)).frame
    }

    /// Reads a frame from `text`, and answers with it the parsed tree of its `d` (ranges into `text`), so a
    /// ``ReceivedFrame`` decodes its payload without reading the text again.
    static func parse(_ text: [UInt8]) throws(ProtocolError) -> (frame: Frame, data: JSONNode?) {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw .notJSON(offset: error.offset, reason: error.reason)
        }
        guard case .object(let members) = root.kind else { throw .invalidFrame(.notAnObject) }

        var seen: Set<String> = []
        var op: Opcode?
        var sequence: Int64?
        var type: DispatchEvent?
        var data: JSONNode?
        for member in members where ["op", "s", "t", "d"].contains(member.key) {
            guard seen.insert(member.key).inserted else { throw .invalidFrame(.duplicateField(member.key)) }
            let value = member.value
            switch member.key {
            case "op":
                guard let number = Frame.plainInteger(value, in: text, limit: UInt64(Int32.max)),
                    let opcode = Opcode(rawValue: Int32(number))
                else { throw .invalidFrame(.invalidOpcode) }
                op = opcode
            case "s":
                if case .null = value.kind { continue }
                guard let number = Frame.plainInteger(value, in: text, limit: UInt64(Int64.max)) else {
                    throw .invalidFrame(.invalidSequence)
                }
                sequence = Int64(number)
            case "t":
                switch value.kind {
                case .null: continue
                case .string(let name): type = DispatchEvent(rawValue: name)
                default: throw .invalidFrame(.invalidEventType)
                }
            default:
                if case .null = value.kind { continue }
                data = value
            }
        }
        guard let op else { throw .invalidFrame(.missingOpcode) }
        let raw = data.map { RawJSON(unchecked: Array(text[$0.range])) }
        return (Frame(op: op, sequence: sequence, type: type, data: raw), data)
    }

    /// Reads a frame from the text of one WebSocket message.
    public init(parsing text: String) throws(ProtocolError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The frame as compact JSON text: `{"op":0,"s":5,"t":"READY","d":…}`, absent fields left out, `d` written
    /// byte for byte.
    public func encoded() -> [UInt8] {
        var out = Array(#"{"op":"#.utf8)
        out.append(contentsOf: String(op.rawValue).utf8)
        if let sequence {
            out.append(contentsOf: #","s":"#.utf8)
            out.append(contentsOf: String(sequence).utf8)
        }
        if let type {
            out.append(contentsOf: #","t":"#.utf8)
            JSONText.appendQuoted(type.rawValue, to: &out)
        }
        if let data {
            out.append(contentsOf: #","d":"#.utf8)
            out.append(contentsOf: data.bytes)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Decodes `d` with ``WireJSON``; error paths are relative to `d`.
    /// - Throws: ``ProtocolError/missingField(path:)`` with the path `d` when the frame has no payload.
    public func decodeData<T: Decodable>(as type: T.Type = T.self) throws(ProtocolError) -> T {
        guard let data else { throw .missingField(path: "d") }
        return try data.decode(as: type)
    }

    /// The frame's kind, number, event and payload size; never the payload itself.
    public var description: String {
        var parts = ["op: \(op)"]
        if let sequence { parts.append("s: \(sequence)") }
        if let type { parts.append("t: \(type)") }
        if let data { parts.append("d: \(data.bytes.count) bytes") }
        return "Frame(\(parts.joined(separator: ", ")))"
    }

    /// The value of a plain integer literal no larger than `limit`, or `nil`.
    private static func plainInteger(_ node: JSONNode, in text: [UInt8], limit: UInt64) -> UInt64? {
        guard case .number = node.kind else { return nil }
        return JSONText.plainInteger(text[node.range], limit: limit)
    }
}
