/// What a one-time pre-key top-up did.
public struct PreKeyReplenishment: Sendable, Equatable {
    /// The server's count before.
    public var onServerBefore: Int
    /// New keys made.
    public var generated: Int
    /// Keys uploaded (new ones and any left pending by an earlier failed upload).
    public var uploaded: Int
    /// The server's count after.
    public var onServerAfter: Int

    /// A result from its counts.
    public init(onServerBefore: Int, generated: Int, uploaded: Int, onServerAfter: Int) {
        self.onServerBefore = onServerBefore
        self.generated = generated
        self.uploaded = uploaded
        self.onServerAfter = onServerAfter
    }
}
