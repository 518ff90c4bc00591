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
                Safe to run again: it only uploads what the server lacks. Prints what was uploaded.

                Example:
                  export UNCORD_SERVER=http://127.0.0.1:8080 UNCORD_TOKEN='…'
                  uncord-keys register --passphrase-file ~/.config/uncord-e2ee/passphrase
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let session = try NetworkSession(options: networkOptions)
                let store = try NetworkSession.openStore(storeOptions)
                let wasRegistered = try store.isRegistered()
                let signedWasPublished = try store.isCurrentSignedPreKeyPublished()
                let before = try store.status()
                // Fails early, with the client's own error, when the server is unreachable or refuses the token.
                _ = try await session.api.devices()
                try await session.engine(store: store).bootstrap()
                let after = try store.status()
                let onServer = try await session.api.oneTimePreKeyCount(device: after.deviceID)
                let uploaded = after.oneTimePreKeys.published - before.oneTimePreKeys.published
                let signed =
                    signedWasPublished && before.signedPreKey.id == after.signedPreKey.id
                    ? "#\(after.signedPreKey.id), already on the server" : "#\(after.signedPreKey.id) uploaded"
                let rows = [
                    ("server", session.serverURL.absoluteString),
                    ("user id", after.userID.uuidString.lowercased()),
                    (
                        "device id",
                        after.deviceID.uuidString.lowercased()
                            + (wasRegistered ? " (already registered)" : " registered")
                    ),
                    ("identity key", after.identityKey),
                    ("signed pre-key", signed),
                    ("one-time pre-keys", "\(uploaded) uploaded, \(onServer) on the server"),
                ]
                for (name, value) in rows { print(name.padding(toLength: 19, withPad: " ", startingAt: 0) + value) }
            }
        }
    }
}
