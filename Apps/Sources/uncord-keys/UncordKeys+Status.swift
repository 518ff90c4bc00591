import ArgumentParser
import Foundation
import UncordProtocol
import UncordStore

extension UncordKeys {
    /// `uncord-keys status [--json]`: what the store holds, never a secret.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show this device's ids, identity key, pre-keys and what the store holds.",
            discussion: """
                With --json, prints one object: user_id, device_id, identity_key, signed_pre_key {id, created_at}, \
                one_time_pre_keys {pending, published}, peers, sessions, outbox, schema_version.

                Example:
                  uncord-keys status --passphrase-file ~/.config/uncord-e2ee/passphrase --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let path = storeOptions.path
            try reportingFailures(storePath: path) {
                guard FileManager.default.fileExists(atPath: path) else { throw CLIError.noStore(path: path) }
                let key = try storeOptions.keySource()
                let status = try SQLiteStore.open(at: path, key: key).status()
                if json {
                    FileHandle.standardOutput.write(Data(try WireJSON.encode(status) + [UInt8(ascii: "\n")]))
                } else {
                    print(Self.text(of: status, path: path))
                }
            }
        }

        /// The text form, one field a line.
        static func text(of status: StoreStatus, path: String) -> String {
            let oneTime = status.oneTimePreKeys
            let rows = [
                ("store", path),
                ("user id", status.userID.uuidString.lowercased()),
                ("device id", status.deviceID.uuidString.lowercased()),
                ("identity key", status.identityKey),
                ("signed pre-key", "#\(status.signedPreKey.id), created \(status.signedPreKey.createdAt)"),
                ("one-time pre-keys", "\(oneTime.pending) pending, \(oneTime.published) published"),
                ("peers", "\(status.peers)"),
                ("sessions", "\(status.sessions)"),
                ("outbox", "\(status.outbox) unacknowledged"),
                ("schema version", "\(status.schemaVersion)"),
            ]
            return rows.map { name, value in name.padding(toLength: 19, withPad: " ", startingAt: 0) + value }
                .joined(separator: "\n")
        }
    }
}
