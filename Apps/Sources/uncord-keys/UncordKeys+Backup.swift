import ArgumentParser
import Foundation
import UncordCrypto
import UncordStore

extension UncordKeys {
    /// `uncord-keys backup …`
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back the whole store up to a file sealed under a backup passphrase, or restore one.",
            discussion: """
                The backup holds every key, session and message of this device, sealed with XChaCha20-Poly1305 \
                under a key derived from the backup passphrase with Argon2id (3 passes, 256 MiB); the format is in \
                Docs/STORAGE.md. The backup passphrase comes from --backup-passphrase-file, \
                \(BackupOptions.passphraseVariable) or the terminal. A restored store is the same device: use one \
                copy at a time.

                Example:
                  uncord-keys backup export /media/usb/laptop.uncord-backup
                  uncord-keys backup import /media/usb/laptop.uncord-backup --store ~/new/store.sqlite
                """,
            subcommands: [Export.self, Import.self]
        )
    }
}

extension UncordKeys.Backup {
    /// `uncord-keys backup export FILE [--force] [--json]`
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole store to FILE, sealed under a backup passphrase.",
            discussion: """
                Opens the store with its passphrase, then seals a copy under the backup passphrase (asked twice at \
                a terminal). The file is written with mode 0600 beside FILE and moved into place whole; an existing \
                FILE is left alone unless --force. Progress goes to standard error. Keep the backup and its \
                passphrase apart. With --json, one object: path, bytes, user_id, device_id.

                Example:
                  export UNCORD_E2EE_PASSPHRASE='…' UNCORD_BACKUP_PASSPHRASE='…'
                  uncord-keys backup export /media/usb/laptop.uncord-backup
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var backupOptions: BackupOptions

        @Argument(help: ArgumentHelp("The backup file to write.", valueName: "file"), completion: .file())
        var file: String

        @Flag(help: "Replace FILE when it exists.")
        var force = false

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            guard !file.isEmpty else { throw ValidationError("FILE must name the backup file to write") }
        }

        func run() throws {
            try reportingFailures(storePath: storeOptions.path) {
                if !force, FileManager.default.fileExists(atPath: file) { throw StoreError.fileExists(path: file) }
                let store = try NetworkSession.openStore(storeOptions)
                let passphrase = try backupOptions.passphrase(for: file, creating: true)
                let bytes = try store.exportBackup(to: file, passphrase: passphrase, replacing: force) { step in
                    Terminal.note(BackupProgress.text(of: step))
                }
                let status = try store.status()
                if json {
                    try Output.json(
                        Exported(path: file, bytes: bytes, userID: status.userID.wire, deviceID: status.deviceID.wire))
                    return
                }
                Output.rows([
                    ("backup", file),
                    ("size", "\(bytes) bytes"),
                    ("device", "\(status.userID.wire)/\(status.deviceID.wire)"),
                ])
                print("Keep the file and its passphrase apart; `uncord-keys backup import` restores it.")
            }
        }

        private struct Exported: Encodable {
            var path: String
            var bytes: Int
            var userID: String
            var deviceID: String
            enum CodingKeys: String, CodingKey {
                case path, bytes
                case userID = "user_id"
                case deviceID = "device_id"
            }
        }
    }

    /// `uncord-keys backup import FILE [--force] [--json]`
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into a new store, sealed under the store passphrase given.",
            discussion: """
                Opens FILE with the backup passphrase, checks it completely and reseals every secret under the \
                store passphrase (--passphrase-file, \(StoreOptions.passphraseVariable), or asked twice at a \
                terminal); the store file appears only when complete. A wrong backup passphrase, or a truncated or \
                altered file, is refused and nothing is written. An existing store is left alone unless --force \
                (and never while another process has it open). The restored device carries on every conversation: \
                stop using the original copy. With --json, the restored store's status plus store.

                Example:
                  export UNCORD_E2EE_PASSPHRASE='…' UNCORD_BACKUP_PASSPHRASE='…'
                  uncord-keys backup import /media/usb/laptop.uncord-backup --store ~/.local/share/uncord-e2ee/store.sqlite
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var backupOptions: BackupOptions

        @Argument(help: ArgumentHelp("The backup file to restore.", valueName: "file"), completion: .file())
        var file: String

        @Flag(help: "Replace an existing store at --store.")
        var force = false

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let path = storeOptions.path
            try reportingFailures(storePath: path) {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw StoreError.io("cannot read \(file): check the path")
                }
                if !force, storeOptions.holdsStore { throw StoreError.fileExists(path: path) }
                let passphrase = try backupOptions.passphrase(for: file, creating: false)
                let key = try storeOptions.keySource(creating: true)
                try storeOptions.prepareDirectory()
                let status = try SQLiteStore.importBackup(
                    from: file, passphrase: passphrase, to: path, key: key, replacing: force
                ) { step in
                    Terminal.note(BackupProgress.text(of: step))
                }
                Terminal.note("note: this store is device \(status.deviceID.wire) now; stop using the original copy")
                if json {
                    try StoreStatusJSON(store: path, status: status).print()
                    return
                }
                print("Restored the backup into \(path)")
                print(UncordKeys.Status.text(of: status, path: path))
            }
        }
    }
}

/// The progress lines of a backup export or import, for standard error.
enum BackupProgress {
    static func text(of step: BackupStep) -> String {
        switch step {
        case .readStore(let bytes): "read the store (\(bytes) bytes)"
        case .derivingBackupKey: "deriving the backup key (Argon2id)…"
        case .writing(let bytes): "writing the backup (\(bytes) bytes)…"
        case .derivingStoreKey: "the backup opened; deriving the new store key (Argon2id)…"
        case .resealed(let values): "resealed \(values) secrets under the new store key"
        }
    }
}
