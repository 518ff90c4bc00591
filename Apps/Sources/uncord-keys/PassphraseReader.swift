import Foundation
import UncordCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a passphrase straight into a zeroing buffer: from a file, from an environment variable, or typed at the
/// terminal with echo off — never from an argument, which other users of the machine could see.
enum PassphraseReader {
    /// The longest passphrase read (a passphrase, not a document).
    static let maximumBytes = 4096

    /// Where a passphrase comes from, in the order tried.
    struct Source {
        /// A file holding it, when given.
        var file: String?
        /// The environment variable that may hold it.
        var variable: String
        /// The terminal prompt, such as `Passphrase for /path/store.sqlite: `.
        var prompt: String
        /// Asks twice at the terminal (for a new passphrase) and refuses two different answers.
        var confirm = false
    }

    /// The passphrase from `source`: its file, else its variable, else the terminal when standard input is one.
    /// - Throws: ``CLIError/noPassphrase(option:variable:)`` when none of them gives one;
    ///   ``CLIError/unreadablePassphraseFile(path:reason:)``; ``CLIError/emptyPassphrase``;
    ///   ``CLIError/passphrasesDiffer``.
    static func passphrase(from source: Source, option: String) throws(CLIError) -> SecureBytes {
        let passphrase: SecureBytes
        if let file = source.file {
            passphrase = try readFile(file)
        } else if let value = getenv(source.variable) {
            passphrase = SecureBytes(copying: UnsafeRawBufferPointer(start: value, count: strlen(value)))
        } else if isatty(STDIN_FILENO) == 1 {
            passphrase = try readTerminal(prompt: source.prompt)
            if source.confirm, passphrase.count > 0 {
                guard try readTerminal(prompt: "Again, to confirm: ") == passphrase else { throw .passphrasesDiffer }
            }
        } else {
            throw .noPassphrase(option: option, variable: source.variable)
        }
        guard passphrase.count > 0 else { throw .emptyPassphrase }
        return passphrase
    }

    /// Reads a passphrase file, without one trailing `\n` or `\r\n`.
    static func readFile(_ path: String) throws(CLIError) -> SecureBytes {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadablePassphraseFile(path: path, reason: lastError()) }
        defer { close(descriptor) }
        let (buffer, length) = try readLine(from: descriptor, stopAtNewline: false) { (reason: String) in
            CLIError.unreadablePassphraseFile(path: path, reason: reason)
        }
        guard length <= maximumBytes else {
            throw .unreadablePassphraseFile(
                path: path, reason: "longer than \(maximumBytes) bytes, so not a passphrase file")
        }
        return trimmed(buffer, length: length)
    }

    /// Prompts on the terminal and reads one line with echo off; the terminal's settings are restored after.
    private static func readTerminal(prompt: String) throws(CLIError) -> SecureBytes {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { throw .terminalUnavailable(reason: lastError()) }
        defer { close(terminal) }
        var saved = termios()
        guard tcgetattr(terminal, &saved) == 0 else { throw .terminalUnavailable(reason: lastError()) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ICANON)
        _ = Array(prompt.utf8).withUnsafeBytes { write(terminal, $0.baseAddress, $0.count) }
        guard tcsetattr(terminal, TCSANOW, &quiet) == 0 else { throw .terminalUnavailable(reason: lastError()) }
        defer {
            var restore = saved
            _ = tcsetattr(terminal, TCSANOW, &restore)
            _ = write(terminal, "\n", 1)
        }
        let (buffer, length) = try readLine(from: terminal, stopAtNewline: true) { (reason: String) in
            CLIError.terminalUnavailable(reason: reason)
        }
        guard length <= maximumBytes else { throw .emptyPassphrase }
        return trimmed(buffer, length: length)
    }

    /// Reads up to one byte more than the limit (to tell a passphrase at the limit from a longer text).
    private static func readLine(
        from descriptor: Int32, stopAtNewline: Bool, failure: (String) -> CLIError
    ) throws(CLIError) -> (SecureBytes, Int) {
        var length = 0
        let buffer = try SecureBytes(count: maximumBytes + 1) { (raw) throws(CLIError) in
            guard let base = raw.baseAddress else { return }
            while length < raw.count {
                let got = read(descriptor, base + length, stopAtNewline ? 1 : raw.count - length)
                if got == 0 { break }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw failure(lastError())
                }
                length += got
                if stopAtNewline, raw[length - 1] == UInt8(ascii: "\n") { break }
            }
        }
        return (buffer, length)
    }

    /// The first `length` bytes without one trailing `\n` or `\r\n`.
    private static func trimmed(_ buffer: SecureBytes, length: Int) -> SecureBytes {
        let end = buffer.withUnsafeBytes { bytes -> Int in
            var end = min(length, bytes.count)
            if end > 0, bytes[end - 1] == UInt8(ascii: "\n") {
                end -= 1
                if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            }
            return end
        }
        return buffer.slice(0..<end)
    }

    private static func lastError() -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }
}
