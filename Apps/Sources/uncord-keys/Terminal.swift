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

    /// The width of the terminal standard output writes to, in columns; `nil` when it is not a terminal.
    static var outputColumns: Int? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Writes `question` to standard error and reads one line of standard input; `nil` at its end.
    static func ask(_ question: String) -> String? {
        note(question, newline: false)
        return readLine(strippingNewline: true)
    }

    /// Asks `question` (which should end in `[y/N] `); `true` only for the answer y or yes, in any case.
    static func confirm(_ question: String) -> Bool {
        let answer = ask(question)?.trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }

    /// A line on standard error that is not a failure: progress, a warning, a hint.
    static func note(_ text: String, newline: Bool = true) {
        FileHandle.standardError.write(Data((newline ? text + "\n" : text).utf8))
    }
}
