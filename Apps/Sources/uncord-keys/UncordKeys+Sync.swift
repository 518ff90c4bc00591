import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys sync`: tops the server's one-time pre-keys up and rotates the signed pre-key when due.
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replenish this device's one-time pre-keys on the server and rotate the signed pre-key when due.",
            discussion: """
                Also uploads an identity key a failed `identity rotate` left behind. Prints the signed pre-key in use \
                and how many one-time pre-keys were uploaded and the server holds; with --json, one object with \
                signed_pre_key {id, rotated_from?, created_at} and one_time_pre_keys {uploaded, before, after}. \
                `listen` does the same whenever it connects and when the server says the keys run low.

                Example:
                  export UNCORD_SERVER=http://127.0.0.1:8080 UNCORD_TOKEN='…'
                  uncord-keys sync --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let store = try NetworkSession.openStore(storeOptions)
                let session = try NetworkSession(options: networkOptions, store: store)
                guard try store.isRegistered() else { throw CLIError.notRegistered }
                let device = try store.localIdentity().address.device
                let before = try store.currentSignedPreKey()
                let countBefore = try await session.api.oneTimePreKeyCount(device: device)
                let engine = try session.engine(store: store)
                try await engine.rotateSignedPreKeyIfNeeded()
                let uploaded = await engine.replenishOneTimePreKeys()
                let after = try store.currentSignedPreKey()
                let countAfter = try await session.api.oneTimePreKeyCount(device: device)
                if json {
                    try Output.json(
                        Synced(
                            signedPreKey: .init(
                                id: after.id, rotatedFrom: after.id == before.id ? nil : before.id,
                                createdAt: Output.time(after.createdAt)),
                            oneTimePreKeys: .init(uploaded: uploaded, before: countBefore, after: countAfter)))
                    return
                }
                let signed =
                    after.id == before.id
                    ? "#\(after.id), not due (created \(Self.rfc3339(after.createdAt)))"
                    : "#\(after.id), rotated from #\(before.id)"
                let rows = [
                    ("signed pre-key", signed),
                    ("one-time pre-keys", "\(uploaded) uploaded, \(countBefore) → \(countAfter) on the server"),
                ]
                Output.rows(rows)
            }
        }

        private static func rfc3339(_ date: Date) -> String { Output.time(date) }

        /// The JSON form.
        private struct Synced: Encodable {
            struct Signed: Encodable {
                var id: UInt32
                var rotatedFrom: UInt32?
                var createdAt: String
                enum CodingKeys: String, CodingKey {
                    case id
                    case rotatedFrom = "rotated_from"
                    case createdAt = "created_at"
                }
            }
            struct OneTime: Encodable {
                var uploaded: Int
                var before: Int
                var after: Int
            }
            var signedPreKey: Signed
            var oneTimePreKeys: OneTime

            enum CodingKeys: String, CodingKey {
                case signedPreKey = "signed_pre_key"
                case oneTimePreKeys = "one_time_pre_keys"
            }
        }
    }
}
