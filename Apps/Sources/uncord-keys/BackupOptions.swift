import ArgumentParser
import UncordCrypto

/// Where a backup's passphrase comes from: `--backup-passphrase-file`, the environment, or the terminal.
struct BackupOptions: ParsableArguments {
    /// The environment variable that may hold the backup passphrase.
    static let passphraseVariable = "UNCORD_BACKUP_PASSPHRASE"

    @Option(
        name: .customLong("backup-passphrase-file"),
        help: ArgumentHelp(
            "A file holding the backup's passphrase (one trailing newline is ignored). Without it, the passphrase "
                + "comes from \(passphraseVariable), else it is asked for at the terminal.",
            valueName: "path"),
        completion: .file())
    var passphraseFile: String?

    /// The backup passphrase; asked twice at the terminal when `creating` a backup.
    func passphrase(for file: String, creating: Bool) throws(CLIError) -> SecureBytes {
        try PassphraseReader.passphrase(
            from: .init(
                file: passphraseFile, variable: Self.passphraseVariable,
                prompt: creating ? "New backup passphrase for \(file): " : "Backup passphrase for \(file): ",
                confirm: creating),
            option: "--backup-passphrase-file")
    }
}
