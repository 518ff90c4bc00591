/// How far a one-time pre-key top-up has got, reported as it goes so a tool can show progress.
public enum PreKeyProgress: Sendable, Equatable {
    /// This many new keys were made and stored `pending`.
    case generated(Int)
    /// `done` of `total` pending keys are uploaded.
    case uploaded(Int, of: Int)
}
