import ArgumentParser
import Foundation
import UncordCrypto
import UncordStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The options every store command shares: where the store is and where its passphrase comes from.
struct StoreOptions: ParsableArguments {
    /// The environment variable that may hold the passphrase.
    static let passphraseVariable = "UNCORD_E2EE_PASSPHRASE"
    /// The default store path as `--help` shows it.
    static let defaultPathDescription = "~/.local/share/uncord-e2ee/store.sqlite"
    /// The longest passphrase file read (a passphrase, not a document).
    static let maximumPassphraseFileBytes = 4096

    @Option(
        name: .customLong("store"),
        help: ArgumentHelp("The device store (default: \(defaultPathDescription)).", valueName: "path"),
        completion: .file(extensions: ["sqlite"]))
    var storePath: String?

    @Option(
        name: .customLong("passphrase-file"),
        help: ArgumentHelp(
            "A file holding the store's passphrase (one trailing newline is ignored). Without it, the passphrase "
                + "comes from \(passphraseVariable).",
            valueName: "path"),
        completion: .file())
    var passphraseFile: String?

    /// The store path: `--store`, or the default under the home directory.
    var path: String {
        if let storePath { return storePath }
        let home =
            ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/uncord-e2ee/store.sqlite").path
    }

    /// The store key source: the passphrase from `--passphrase-file`, else from the environment.
    /// - Throws: ``CLIError/noPassphrase`` when neither is given; ``CLIError/unreadablePassphraseFile(path:reason:)``;
    ///   ``CLIError/emptyPassphrase``.
    func keySource() throws(CLIError) -> StoreKeySource {
        let passphrase: SecureBytes
        if let passphraseFile {
            passphrase = try Self.readPassphrase(from: passphraseFile)
        } else if let value = getenv(Self.passphraseVariable) {
            passphrase = SecureBytes(copying: UnsafeRawBufferPointer(start: value, count: strlen(value)))
        } else {
            throw .noPassphrase
        }
        guard passphrase.count > 0 else { throw .emptyPassphrase }
        return .passphrase(passphrase)
    }

    /// Reads a passphrase file straight into a zeroing buffer, without one trailing `\n` or `\r\n`.
    private static func readPassphrase(from path: String) throws(CLIError) -> SecureBytes {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadablePassphraseFile(path: path, reason: lastError()) }
        defer { close(descriptor) }
        var length = 0
        // One byte more than the limit, to tell a file at the limit from a longer one.
        let buffer = try SecureBytes(count: maximumPassphraseFileBytes + 1) { (raw) throws(CLIError) in
            guard let base = raw.baseAddress else { return }
            while length < raw.count {
                let got = read(descriptor, base + length, raw.count - length)
                if got == 0 { break }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw .unreadablePassphraseFile(path: path, reason: lastError())
                }
                length += got
            }
        }
        guard length <= maximumPassphraseFileBytes else {
            throw .unreadablePassphraseFile(
                path: path, reason: "longer than \(maximumPassphraseFileBytes) bytes, so not a passphrase file")
        }
        let end = buffer.withUnsafeBytes { bytes -> Int in
            var end = length
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
