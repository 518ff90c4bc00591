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
                Prints the signed pre-key in use and how many one-time pre-keys were uploaded and the server holds. \
                `listen` does the same whenever it connects and when the server says the keys run low.
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let session = try NetworkSession(options: networkOptions)
                let store = try NetworkSession.openStore(storeOptions)
                guard try store.isRegistered() else { throw CLIError.notRegistered }
                let device = try store.localIdentity().address.device
                let before = try store.currentSignedPreKey()
                let countBefore = try await session.api.oneTimePreKeyCount(device: device)
                let engine = try session.engine(store: store)
                try await engine.rotateSignedPreKeyIfNeeded()
                let uploaded = await engine.replenishOneTimePreKeys()
                let after = try store.currentSignedPreKey()
                let countAfter = try await session.api.oneTimePreKeyCount(device: device)
                let signed =
                    after.id == before.id
                    ? "#\(after.id), not due (created \(Self.rfc3339(after.createdAt)))"
                    : "#\(after.id), rotated from #\(before.id)"
                let rows = [
                    ("signed pre-key", signed),
                    ("one-time pre-keys", "\(uploaded) uploaded, \(countBefore) → \(countAfter) on the server"),
                ]
                for (name, value) in rows { print(name.padding(toLength: 19, withPad: " ", startingAt: 0) + value) }
            }
        }

        private static func rfc3339(_ date: Date) -> String {
            date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
        }
    }
}
