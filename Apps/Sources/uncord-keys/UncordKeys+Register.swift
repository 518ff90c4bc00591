import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys register`: registers this device with the server and uploads its keys.
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register this device with the server and upload its signed pre-key and one-time pre-keys.",
            discussion: """
                Safe to run again: it only uploads what the server lacks (a rotated identity key included). Prints \
                what was uploaded; with --json, one object with server, user_id, device_id, newly_registered, \
                identity_key, signed_pre_key {id, uploaded} and one_time_pre_keys {uploaded, on_server}.

                Example:
                  export UNCORD_SERVER=http://127.0.0.1:8080 UNCORD_TOKEN='…'
                  uncord-keys register --passphrase-file ~/.config/uncord-e2ee/passphrase
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
                let wasRegistered = try store.isRegistered()
                let signedWasPublished = try store.isCurrentSignedPreKeyPublished()
                let before = try store.status()
                // Fails early, with the client's own error, when the server is unreachable or refuses the token.
                _ = try await session.api.devices()
                try await session.engine(store: store).bootstrap()
                let after = try store.status()
                let onServer = try await session.api.oneTimePreKeyCount(device: after.deviceID)
                let uploaded = after.oneTimePreKeys.published - before.oneTimePreKeys.published
                let signedUploaded = !(signedWasPublished && before.signedPreKey.id == after.signedPreKey.id)
                if json {
                    try Output.json(
                        Registered(
                            server: session.serverURL.absoluteString, userID: after.userID.wire,
                            deviceID: after.deviceID.wire, newlyRegistered: !wasRegistered,
                            identityKey: after.identityKey,
                            signedPreKey: .init(id: after.signedPreKey.id, uploaded: signedUploaded),
                            oneTimePreKeys: .init(uploaded: uploaded, onServer: onServer)))
                    return
                }
                let signed =
                    signedUploaded
                    ? "#\(after.signedPreKey.id) uploaded" : "#\(after.signedPreKey.id), already on the server"
                let rows = [
                    ("server", session.serverURL.absoluteString),
                    ("user id", after.userID.wire),
                    (
                        "device id",
                        after.deviceID.wire
                            + (wasRegistered ? " (already registered)" : " registered")
                    ),
                    ("identity key", after.identityKey),
                    ("signed pre-key", signed),
                    ("one-time pre-keys", "\(uploaded) uploaded, \(onServer) on the server"),
                ]
                Output.rows(rows)
            }
        }

        /// The JSON form.
        private struct Registered: Encodable {
            struct Signed: Encodable {
                var id: UInt32
                var uploaded: Bool
            }
            struct OneTime: Encodable {
                var uploaded: Int
                var onServer: Int
                enum CodingKeys: String, CodingKey {
                    case uploaded
                    case onServer = "on_server"
                }
            }
            var server: String
            var userID: String
            var deviceID: String
            var newlyRegistered: Bool
            var identityKey: String
            var signedPreKey: Signed
            var oneTimePreKeys: OneTime

            enum CodingKeys: String, CodingKey {
                case server
                case userID = "user_id"
                case deviceID = "device_id"
                case newlyRegistered = "newly_registered"
                case identityKey = "identity_key"
                case signedPreKey = "signed_pre_key"
                case oneTimePreKeys = "one_time_pre_keys"
            }
        }
    }
}
