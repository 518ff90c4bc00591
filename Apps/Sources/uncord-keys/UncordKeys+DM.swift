import ArgumentParser
import Foundation
import UncordClient
import UncordProtocol
import UncordStore

extension UncordKeys {
    /// `uncord-keys dm …`
    struct DM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Direct-message channels.",
            discussion: """
                Example:
                  channel=$(uncord-keys dm open 6f1c2a4e-0000-4000-8000-000000000002)
                """,
            subcommands: [Open.self]
        )
    }
}

extension UncordKeys.DM {
    /// `uncord-keys dm open USER… [--name NAME]`: creates the DM channel with a user (or a named group with
    /// several), or finds the existing one, and records its members in the device store.
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or find a direct-message channel; print its id.",
            discussion: """
                One user opens (or finds) the one-to-one channel; several users with --name create a group \
                channel. The members are recorded in the device store, so `uncord-keys send --channel` needs no \
                --to for this channel afterwards. Prints only the channel id, so a script can keep it; with --json, \
                one object with channel_id, type, name (for a group) and members.

                Example:
                  channel=$(uncord-keys dm open 6f1c2a4e-0000-4000-8000-000000000002)
                  group=$(uncord-keys dm open "$bob" "$carol" --name 'weekend plans')
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Argument(help: ArgumentHelp("The other user's id; several for a group.", valueName: "user"))
        var users: [String]

        @Option(help: ArgumentHelp("The group's name (a group needs one).", valueName: "name"))
        var name: String?

        @Flag(help: "Print one JSON object instead of the id.")
        var json = false

        func validate() throws {
            guard !users.isEmpty else { throw ValidationError("give the other user's id (a UUID)") }
            for user in users where UUID(uuidString: user) == nil {
                throw ValidationError("USER must be a UUID, like 6f1c2a4e-0000-4000-8000-000000000002 (got '\(user)')")
            }
            if users.count > 1, (name ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("a group channel needs a name: add --name NAME")
            }
        }

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let recipients = users.compactMap { UUID(uuidString: $0) }
                let store = try NetworkSession.openStore(storeOptions)
                let session = try NetworkSession(options: networkOptions, store: store)
                let request: CreateDMChannelRequest =
                    if users.count > 1 || name != nil {
                        .group(name: name ?? "", recipients: recipients)
                    } else {
                        .direct(recipientID: recipients[0])
                    }
                let channel = try await session.api.createDMChannel(request)
                try store.rememberMembers(recipients, of: channel.id, kind: channel.kind)
                guard json else { return print(channel.id.wire) }
                try Output.json(
                    Opened(
                        channelID: channel.id.wire, type: channel.kind.rawValue, name: channel.name,
                        members: try store.members(of: channel.id).map(\.wire)))
            }
        }
    }
}

/// `dm open --json`.
private struct Opened: Encodable {
    var channelID: String
    var type: String
    var name: String?
    var members: [String]

    private enum CodingKeys: String, CodingKey {
        case type, name, members
        case channelID = "channel_id"
    }
}
