import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys receive --channel UUID --message UUID [--json]`: fetches one message and decrypts it, as a
    /// notification extension would.
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch one message by id and decrypt it, as a notification extension would.",
            discussion: """
                Reads the channel's history until the message is found, then decrypts and stores it through the \
                engine's notification entry point (no device list fetched, nothing uploaded). A message this store \
                already holds (another process decrypted it) is printed from the stored copy. Prints what `listen` \
                would (--json: the same lines). Works beside a `listen` on the same store.
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Option(help: ArgumentHelp("The message's DM channel.", valueName: "uuid"))
        var channel: String

        @Option(help: ArgumentHelp("The message's id.", valueName: "uuid"))
        var message: String

        @Flag(help: "Print one JSON object per line instead of text.")
        var json = false

        func validate() throws {
            if UUID(uuidString: channel) == nil { throw ValidationError("--channel must be a UUID") }
            if UUID(uuidString: message) == nil { throw ValidationError("--message must be a UUID") }
        }

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                guard let channelID = UUID(uuidString: channel), let messageID = UUID(uuidString: message) else {
                    throw ValidationError("--channel and --message must be UUIDs")
                }
                let store = try NetworkSession.openStore(storeOptions)
                let session = try NetworkSession(options: networkOptions, store: store)
                guard try store.isRegistered() else { throw CLIError.notRegistered }
                let me = try store.localIdentity().address
                var found: Message?
                var before: UUID?
                for _ in 0..<100 where found == nil {
                    let page = try await session.api.messages(
                        channel: channelID, device: me.device, before: before, limit: 100)
                    found = page.first { $0.id == messageID }
                    guard let oldest = page.last, page.count == 100 else { break }
                    before = oldest.id
                }
                guard let found else { throw CLIError.messageNotFound(messageID) }
                let decryptor = try NotificationDecryptor(
                    storeAt: store.path, key: .storeKey(store.exportStoreKey()), server: session.api,
                    logger: session.logger)
                let output = ListenOutput(json: json, channel: nil, me: me)
                for event in await decryptor.decrypt(found) { output.emit(event) }
            }
        }
    }
}
