import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Questions asked at the terminal, and the lines that go to standard error.
enum Terminal {
    /// `true` when standard input is a terminal, so a question can be answered.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

    /// Writes `question` to standard error and reads one line of standard input; `nil` at its end.
    static func ask(_ question: String) -> String? {
        note(question, newline: false)
        return readLine(strippingNewline: true)
    }

    /// A line on standard error that is not a failure: progress, a warning, a hint.
    static func note(_ text: String, newline: Bool = true) {
        FileHandle.standardError.write(Data((newline ? text + "\n" : text).utf8))
    }
}
