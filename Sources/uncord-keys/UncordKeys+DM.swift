import ArgumentParser
import Foundation
import UncordClient
import UncordProtocol

extension UncordKeys {
    /// `uncord-keys dm …`
    struct DM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Direct-message channels.",
            subcommands: [Open.self]
        )
    }
}

extension UncordKeys.DM {
    /// `uncord-keys dm open USER`: creates the DM channel with a user, or finds the existing one.
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or find the direct-message channel with a user; print its id.",
            discussion: """
                Prints only the channel id, so a script can keep it:
                  channel=$(uncord-keys dm open 6f1c2a4e-0000-4000-8000-000000000002)
                """
        )

        @OptionGroup var networkOptions: NetworkOptions

        @Argument(help: ArgumentHelp("The other user's id.", valueName: "user"))
        var user: String

        func validate() throws {
            guard UUID(uuidString: user) != nil else {
                throw ValidationError("USER must be a UUID, like 6f1c2a4e-0000-4000-8000-000000000002")
            }
        }

        func run() async throws {
            try await reportingNetworkFailures(storePath: nil) {
                guard let recipient = UUID(uuidString: user) else { throw ValidationError("USER must be a UUID") }
                let session = try NetworkSession(options: networkOptions)
                let channel = try await session.api.createDMChannel(.direct(recipientID: recipient))
                print(channel.id.uuidString.lowercased())
            }
        }
    }
}
