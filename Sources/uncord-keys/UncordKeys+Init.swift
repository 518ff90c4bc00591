import ArgumentParser
import Foundation
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys init --user UUID [--label TEXT] [--prekeys N]`: creates this device's store.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create this device's store: a new device id, identity key, signed pre-key and one-time pre-keys.",
            discussion: """
                Refuses to touch an existing store. The store's directory is created (mode 0700) when missing. \
                Prints the user id, the new device id and the identity public key.

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

        @Option(help: ArgumentHelp("How many one-time pre-keys to make.", valueName: "n"))
        var prekeys = 100

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
                let key = try storeOptions.keySource()
                // An empty file is what a failed earlier attempt leaves; anything more is a store.
                let existing = try? URL(fileURLWithPath: path).resourceValues(forKeys: [.fileSizeKey]).fileSize
                if let existing, existing > 0 { throw CLIError.storeExists(path: path) }
                try Self.prepareDirectory(for: path)
                let store = try SQLiteStore.create(
                    at: path, device: DeviceAddress(user: userID, device: UUID()), label: label, key: key,
                    oneTimePreKeys: prekeys)
                let status = try store.status()
                print("Created a device store at \(path)")
                let rows = [
                    ("user id", status.userID.uuidString.lowercased()),
                    ("device id", status.deviceID.uuidString.lowercased()),
                    ("identity key", status.identityKey),
                    ("signed pre-key", "#\(status.signedPreKey.id)"),
                    ("one-time pre-keys", "\(status.oneTimePreKeys.pending), not yet published"),
                ]
                for (name, value) in rows { print(name.padding(toLength: 19, withPad: " ", startingAt: 0) + value) }
            }
        }

        /// Creates the store's directory with mode 0700 when it is missing.
        private static func prepareDirectory(for path: String) throws(CLIError) {
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
}
