import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys send --channel UUID --text TEXT [--to USER…]`: encrypts and posts one message.
    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt a message for every device of the channel's members and post it; print its id.",
            discussion: """
                The server's channel objects do not name their members, so the device store remembers them: the \
                users given to `dm open`, to an earlier send, and the authors of received messages. For a channel \
                this device has not seen that way, name each other member with --to USER (repeat it for a group); \
                your own other devices get the message too. A send a failed earlier run left in the outbox is \
                posted first. Trust warnings go to standard error.

                Example:
                  uncord-keys send --channel "$channel" --text 'hello'
                  uncord-keys send --channel "$channel" --to 6f1c2a4e-0000-4000-8000-000000000002 --text 'hello'
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Option(help: ArgumentHelp("The DM channel's id.", valueName: "uuid"))
        var channel: String

        @Option(help: ArgumentHelp("The message text (at most 4000 characters).", valueName: "text"))
        var text: String

        @Option(
            help: ArgumentHelp(
                "Another member of the channel, when the store does not know them yet; repeat for each.",
                valueName: "user"))
        var to: [String] = []

        @Flag(
            help:
                "Print one JSON object (message_id, channel_id, members, warnings, refused_devices) instead of the id.")
        var json = false

        func validate() throws {
            guard UUID(uuidString: channel) != nil else { throw ValidationError("--channel must be a UUID") }
            for user in to where UUID(uuidString: user) == nil {
                throw ValidationError("--to must be a user id (a UUID), got '\(user)'")
            }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("--text must not be empty")
            }
        }

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                guard let channelID = UUID(uuidString: channel) else {
                    throw ValidationError("--channel must be a UUID")
                }
                let participants = to.compactMap { UUID(uuidString: $0) }
                let (session, _, engine) = try await NetworkSession.registered(
                    networkOptions, storeOptions, probe: false)
                for entry in try await engine.pendingSends() {
                    let message = try await session.api.sendMessage(channel: entry.channel, body: entry.body)
                    _ = try await engine.markSent(entry, messageID: message.id)
                    Self.note("note", "posted an earlier unsent message as \(message.id.uuidString.lowercased())")
                }
                let prepared = try await engine.prepareMessage(
                    text: text, channel: channelID, participants: participants)
                let warnings = prepared.warnings.map(ListenOutput.text(of:))
                for warning in warnings { Self.note("warning", warning) }
                // Devices judged while preparing that get nothing: the server listed a device the user did not link.
                var refused: [RefusedDevice] = []
                let output = ListenOutput(json: false, channel: nil, me: engine.address)
                for event in prepared.events {
                    switch event {
                    case .deviceRefused(let user, let device, let reason):
                        refused.append(RefusedDevice(userID: user.wire, deviceID: device.wire, reason: reason.rawValue))
                        if let line = output.line(for: event) { Self.note("warning", ListenOutput.text(of: line)) }
                    case .ownDeviceLinked:
                        if let line = output.line(for: event) { Self.note("note", ListenOutput.text(of: line)) }
                    default: break
                    }
                }
                let message = try await session.api.sendMessage(channel: prepared.channel, body: prepared.body)
                try await engine.markSent(prepared, messageID: message.id)
                guard json else { return print(message.id.wire) }
                try Output.json(
                    Sent(
                        messageID: message.id.wire, channelID: channelID.wire,
                        members: try await engine.channelMembers(channelID).map(\.wire), warnings: warnings,
                        refusedDevices: refused))
            }
        }

        /// A line on standard error that is not a failure.
        private static func note(_ kind: String, _ line: String) {
            FileHandle.standardError.write(Data("\(kind): \(line)\n".utf8))
        }
    }
}

/// `send --json`.
private struct Sent: Encodable {
    var messageID: String
    var channelID: String
    /// Every user the message was encrypted for, this one included.
    var members: [String]
    var warnings: [String]
    /// Devices listed for a recipient that were not wrapped for (LINKED_DEVICES.md A2).
    var refusedDevices: [RefusedDevice]

    private enum CodingKeys: String, CodingKey {
        case members, warnings
        case refusedDevices = "refused_devices"
        case messageID = "message_id"
        case channelID = "channel_id"
    }
}

/// One refused device in `send --json`.
private struct RefusedDevice: Encodable {
    var userID: String
    var deviceID: String
    var reason: String

    private enum CodingKeys: String, CodingKey {
        case reason
        case userID = "user_id"
        case deviceID = "device_id"
    }
}
