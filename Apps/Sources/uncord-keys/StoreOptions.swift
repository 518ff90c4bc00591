import ArgumentParser
import Foundation
import UncordStore

/// The options every store command shares: where the store is and where its passphrase comes from.
struct StoreOptions: ParsableArguments {
    /// The environment variable that may hold the passphrase.
    static let passphraseVariable = "UNCORD_E2EE_PASSPHRASE"
    /// The default store path as `--help` shows it.
    static let defaultPathDescription = "~/.local/share/uncord-e2ee/store.sqlite"

    @Option(
        name: .customLong("store"),
        help: ArgumentHelp("The device store (default: \(defaultPathDescription)).", valueName: "path"),
        completion: .file(extensions: ["sqlite"]))
    var storePath: String?

    @Option(
        name: .customLong("passphrase-file"),
        help: ArgumentHelp(
            "A file holding the store's passphrase (one trailing newline is ignored). Without it, the passphrase "
                + "comes from \(passphraseVariable), else it is asked for at the terminal.",
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

    /// The store key source: the passphrase from `--passphrase-file`, else from the environment, else typed at the
    /// terminal with echo off (twice when `creating` a store).
    /// - Throws: ``CLIError/noPassphrase(option:variable:)`` when none gives one;
    ///   ``CLIError/unreadablePassphraseFile(path:reason:)``; ``CLIError/emptyPassphrase``.
    func keySource(creating: Bool = false) throws(CLIError) -> StoreKeySource {
        let source = PassphraseReader.Source(
            file: passphraseFile, variable: Self.passphraseVariable,
            prompt: creating ? "New passphrase for \(path): " : "Passphrase for \(path): ", confirm: creating)
        return .passphrase(try PassphraseReader.passphrase(from: source, option: "--passphrase-file"))
    }
}
