import ArgumentParser
import Foundation
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys init --user UUID [--label TEXT] [--prekeys N] [--json]`: creates this device's store.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create this device's store: a new device id, identity key, signed pre-key and one-time pre-keys.",
            discussion: """
                Refuses to touch an existing store. The store's directory is created (mode 0700) when missing. \
                Prints the user id, the new device id and the identity public key; with --json, one object with \
                store, user_id, device_id, identity_key, signed_pre_key and one_time_pre_keys. Without \
                --passphrase-file or \(StoreOptions.passphraseVariable), the new passphrase is asked for twice at \
                the terminal.

                Example:
                  export UNCORD_E2EE_PASSPHRASE='…'
                  uncord-keys init --user 0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11 --label laptop
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: ArgumentHelp("Your Uncord user id.", valueName: "uuid"))
        var user: String

        @Option(help: ArgumentHelp("A name for this device, shown to you only.", valueName: "text"))
        var label: String?

        @Option(help: ArgumentHelp("How many one-time pre-keys to make (0 to 10000).", valueName: "n"))
        var prekeys = 100

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            guard UUID(uuidString: user) != nil else {
                throw ValidationError("--user must be a UUID, like 0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11")
            }
            guard (0...10_000).contains(prekeys) else { throw ValidationError("--prekeys must be 0 to 10000") }
        }

        func run() throws {
            let path = storeOptions.path
            try reportingFailures(storePath: path) {
                guard let userID = UUID(uuidString: user) else { throw ValidationError("--user must be a UUID") }
                if storeOptions.holdsStore { throw CLIError.storeExists(path: path) }
                let key = try storeOptions.keySource(creating: true)
                try storeOptions.prepareDirectory()
                let store = try SQLiteStore.create(
                    at: path, device: DeviceAddress(user: userID, device: UUID()), label: label, key: key,
                    oneTimePreKeys: prekeys)
                let status = try store.status()
                if json {
                    try StoreStatusJSON(store: path, status: status).print()
                    return
                }
                print("Created a device store at \(path)")
                Output.rows([
                    ("user id", status.userID.wire),
                    ("device id", status.deviceID.wire),
                    ("identity key", status.identityKey),
                    ("signed pre-key", "#\(status.signedPreKey.id)"),
                    ("one-time pre-keys", "\(status.oneTimePreKeys.pending), not yet published"),
                ])
            }
        }

    }
}

extension StoreOptions {
    /// `true` when the store path holds a store (an empty file is what a failed earlier `init` leaves).
    var holdsStore: Bool {
        let size = try? URL(fileURLWithPath: path).resourceValues(forKeys: [.fileSizeKey]).fileSize
        return (size ?? 0) > 0
    }

    /// Creates the store's directory with mode 0700 when it is missing.
    func prepareDirectory() throws(CLIError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard !FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotCreateDirectory(path: directory, reason: "\(error.localizedDescription)")
        }
    }
}
