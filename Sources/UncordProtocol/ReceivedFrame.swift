/// One gateway message as received: its exact bytes and the ``Frame`` read from them, parsed once.
///
/// The gateway client makes one per WebSocket message and hands it on as is; the engine reads the frame and its
/// payload from it without parsing the text again (``decodeData(as:)`` decodes `d` from the tree the frame was
/// read from). Bytes that are not a frame keep ``frame`` `nil`, so they can still be passed on unchanged.
///
/// ```swift
/// let received = ReceivedFrame(bytes: messageBytes)
/// if received.frame?.type == .dmMessageCreate { let message = try received.decodeData(as: Message.self) }
/// ```
public struct ReceivedFrame: Sendable, Equatable, CustomStringConvertible {
    /// The message's bytes, exactly as received.
    public let bytes: [UInt8]
    /// The frame read from ``bytes``; `nil` when they are not a frame.
    public let frame: Frame?
    /// The parsed tree of the frame's `d`, whose ranges point into ``bytes``; `nil` without a payload, or when the
    /// frame was not read from ``bytes``.
    private let data: JSONNode?

    /// Reads `bytes`, once; bytes that are not a frame are kept with no ``frame``.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        if let parsed = try? Frame.parse(bytes) {
            self.frame = parsed.frame
            self.data = parsed.data
        } else {
            self.frame = nil
            self.data = nil
        }
    }

    /// A frame already decoded, with its encoding as the bytes.
    public init(_ frame: Frame) {
        self.bytes = frame.encoded()
        self.frame = frame
        self.data = nil
    }

    /// Decodes `d` with ``WireJSON``, from the tree read when the frame was, so the text is not parsed again;
    /// error paths are relative to `d`.
    /// - Throws: ``ProtocolError/missingField(path:)`` with the path `d` when there is no frame or no payload, and
    ///   what ``WireJSON/decode(_:from:)-(_,Collection<UInt8>)`` throws for a payload that is not a `T`.
    public func decodeData<T: Decodable>(as type: T.Type = T.self) throws(ProtocolError) -> T {
        guard let frame else { throw .missingField(path: "d") }
        guard let data else { return try frame.decodeData(as: type) }
        return try WireJSON.decode(type, node: data, in: bytes)
    }

    /// Two received frames are equal when their bytes are (the frame is read from them).
    public static func == (lhs: ReceivedFrame, rhs: ReceivedFrame) -> Bool {
        lhs.bytes == rhs.bytes && lhs.frame == rhs.frame
    }

    /// The frame's description, or the size of bytes that are not a frame; never the payload.
    public var description: String {
        frame.map { "Received\($0)" } ?? "ReceivedFrame(not a frame, \(bytes.count) bytes)"
    }
}
