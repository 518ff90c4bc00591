import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys listen [--channel UUID] [--for SECONDS] [--json]`: prints decrypted messages as they arrive.
    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to the gateway and print decrypted messages and trust warnings as they arrive.",
            discussion: """
                Every gateway frame goes through the engine in order: messages are decrypted and stored, one-time \
                pre-keys are replenished when the server asks, identity changes raise warnings. Runs until \
                interrupted, or for --for SECONDS.

                With --json, prints one JSON object per line. Every object has "event": "ready" (connected; also \
                user_id, device_id), "resumed", "message", "edited", "deleted", "undecryptable", "duplicate" (a post \
                the server holds twice: message_id and original_id), "trust_warning", "new_device", \
                "keys_replenished", "server_diagnosis" (a server defect no client can work around: reason and \
                detail, once per run) or "catch_up_incomplete" (missed messages of channel_id, or of channels \
                unknown when it is absent, could not be read this time: reason and detail). Messages carry \
                message_id, channel_id, author_id, author_device, body, sent_at and trust (unverified, verified, \
                changed, or own).

                On connecting, the messages missed while away are printed oldest first as they are decrypted; the \
                progress of that catch-up goes to standard error ("catching up in CHANNEL: 100 of 260 messages").

                Example:
                  uncord-keys listen --channel "$channel" --for 30 --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Option(help: ArgumentHelp("Print only the messages of this channel.", valueName: "uuid"))
        var channel: String?

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp("Stop after this many seconds (default: run until interrupted).", valueName: "seconds"))
        var seconds: Double?

        @Flag(help: "Print one JSON object per line instead of text.")
        var json = false

        func validate() throws {
            if let channel, UUID(uuidString: channel) == nil { throw ValidationError("--channel must be a UUID") }
            if let seconds, !(seconds > 0 && seconds <= 31_536_000) {
                throw ValidationError("--for must be a positive number of seconds")
            }
        }

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let (session, _, engine) = try await NetworkSession.registered(
                    networkOptions, storeOptions, probe: false)
                let output = ListenOutput(
                    json: json, channel: channel.flatMap { UUID(uuidString: $0) }, me: engine.address)
                let gateway = session.gateway(configuration: GatewayConfiguration(maximumAttempts: 5))
                let connection = Task { try await gateway.run() }
                let timer = Task {
                    guard let seconds else { return }
                    try? await Task.sleep(for: .seconds(seconds))
                    await gateway.stop()
                }
                defer { timer.cancel() }
                for await event in engine.events(from: gateway.frames) { output.emit(event) }
                try await connection.value
            }
        }
    }
}

/// How `listen` prints the engine's events: text, or one JSON object per line. Each line is written at once, so a
/// reader of a pipe sees it as it happens.
struct ListenOutput {
    /// One JSON line; absent fields are left out.
    struct Line: Encodable {
        var event: String
        var messageID: String?
        var channelID: String?
        var authorID: String?
        var authorDevice: String?
        var body: String?
        var sentAt: String?
        var editedAt: String?
        var replyTo: String?
        var trust: String?
        var reason: String?
        var userID: String?
        var deviceID: String?
        var previousFingerprint: String?
        var currentFingerprint: String?
        var sendingBlocked: Bool?
        var count: Int?
        var detail: String?
        var originalID: String?

        private enum CodingKeys: String, CodingKey {
            case event, body, trust, reason, count, detail
            case messageID = "message_id"
            case originalID = "original_id"
            case channelID = "channel_id"
            case authorID = "author_id"
            case authorDevice = "author_device"
            case sentAt = "sent_at"
            case editedAt = "edited_at"
            case replyTo = "reply_to"
            case userID = "user_id"
            case deviceID = "device_id"
            case previousFingerprint = "previous_fingerprint"
            case currentFingerprint = "current_fingerprint"
            case sendingBlocked = "sending_blocked"
        }
    }

    let json: Bool
    /// Only this channel's messages are printed, when set.
    let channel: UUID?
    /// This device.
    let me: DeviceAddress

    /// Prints one event, unless it is a frame the listener does not show or a message of another channel.
    func emit(_ event: AppEvent) {
        if case .catchUpProgress(let progressed, let received, let total) = event {
            guard channel == nil || channel == progressed else { return }
            Self.writeError("catching up in \(progressed.wire): \(received) of \(total) messages\n")
            return
        }
        guard let line = line(for: event) else { return }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(line) else { return }
            Self.write(data + Data("\n".utf8))
        } else {
            Self.write(Data((Self.text(of: line) + "\n").utf8))
        }
    }

    /// The line for an event, or `nil` when it is not shown.
    func line(for event: AppEvent) -> Line? {
        switch event {
        case .message(let message), .messageEdited(let message):
            guard channel == nil || channel == message.channel else { return nil }
            var line = Line(event: message.editedAt == nil && message.payload.editOf == nil ? "message" : "edited")
            line.messageID = (message.payload.editOf ?? message.id).wire
            line.channelID = message.channel.wire
            line.authorID = message.sender.user.wire
            line.authorDevice = message.sender.device.wire
            line.body = message.payload.body
            line.sentAt = message.payload.sentAt
            line.editedAt = message.editedAt
            line.replyTo = message.payload.replyTo?.wire
            line.trust = message.trust.map(\.rawValue) ?? "own"
            return line
        case .messageDeleted(let id, let deletedChannel):
            guard channel == nil || channel == deletedChannel else { return nil }
            var line = Line(event: "deleted")
            line.messageID = id.wire
            line.channelID = deletedChannel.wire
            return line
        case .messageRemovedByServer(let id, let removedChannel):
            guard channel == nil || channel == removedChannel else { return nil }
            var line = Line(event: "removed_by_server")
            line.messageID = id.wire
            line.channelID = removedChannel.wire
            return line
        case .undecryptable(let id, let reason):
            var line = Line(event: "undecryptable")
            line.messageID = id.wire
            line.reason = "\(reason)"
            return line
        case .duplicate(let id, let original):
            var line = Line(event: "duplicate")
            line.messageID = id.wire
            line.originalID = original.wire
            return line
        case .trustWarning(let warning):
            var line = Line(event: "trust_warning")
            line.userID = warning.user.wire
            line.previousFingerprint = warning.previousFingerprint
            line.currentFingerprint = warning.currentFingerprint
            line.sendingBlocked = warning.sendingBlocked
            return line
        case .deviceRefused(let user, let device, let reason):
            var line = Line(event: "device_refused")
            line.userID = user.wire
            line.deviceID = device.wire
            line.reason = reason.rawValue
            return line
        case .ownDeviceLinked(let device):
            var line = Line(event: "own_device_linked")
            line.userID = me.user.wire
            line.deviceID = device.wire
            return line
        case .memberAdded(let added, let user):
            guard channel == nil || channel == added else { return nil }
            var line = Line(event: "member_added")
            line.channelID = added.wire
            line.userID = user.wire
            return line
        case .keysReplenished(let count):
            var line = Line(event: "keys_replenished")
            line.count = count
            return line
        case .serverDiagnosis(let diagnosis):
            var line = Line(event: "server_diagnosis")
            line.reason = Self.name(of: diagnosis)
            line.detail = diagnosis.description
            return line
        case .catchUpProgress:
            return nil  // on standard error: see `emit(_:)`
        case .catchUpIncomplete(let incomplete, let reason):
            guard channel == nil || incomplete == nil || channel == incomplete else { return nil }
            var line = Line(event: "catch_up_incomplete")
            line.channelID = incomplete?.wire
            switch reason {
            case .channelListUnavailable(let detail): (line.reason, line.detail) = ("channel_list_unavailable", detail)
            case .historyUnavailable(let detail): (line.reason, line.detail) = ("history_unavailable", detail)
            }
            return line
        case .passthrough(_, let frame):
            guard let type = frame?.type, type == .ready || type == .resumed else { return nil }
            var line = Line(event: type == .ready ? "ready" : "resumed")
            line.userID = me.user.wire
            line.deviceID = me.device.wire
            return line
        }
    }

    /// The text form of a line.
    static func text(of line: Line) -> String {
        let id = line.messageID ?? "?"
        switch line.event {
        case "message", "edited":
            let from = "\(line.authorID ?? "?")/\(line.authorDevice ?? "?")"
            let verb = line.event == "edited" ? "edited \(id)" : id
            return "[\(line.channelID ?? "?")] \(verb) from \(from) (\(line.trust ?? "?")): \(line.body ?? "")"
        case "deleted":
            return "[\(line.channelID ?? "?")] \(id) deleted by its author"
        case "removed_by_server":
            return "[\(line.channelID ?? "?")] the server says it removed \(id); your copy is kept"
        case "undecryptable":
            return "message \(id) could not be decrypted: \(line.reason ?? "?")"
        case "trust_warning":
            guard let current = line.currentFingerprint else {
                return "WARNING: the devices of \(line.userID ?? "?") carry several account keys; nothing is sent to "
                    + "them until they agree on one"
            }
            return "WARNING: the account key of \(line.userID ?? "?") changed (was "
                + "\(line.previousFingerprint ?? "?"), now \(current))"
                + (line.sendingBlocked == true ? "; sending to this user is blocked until you accept it" : "")
        case "device_refused":
            return "WARNING: refused device \(line.userID ?? "?")/\(line.deviceID ?? "?") (\(line.reason ?? "?")): "
                + "it is not linked to that account and gets nothing"
        case "own_device_linked":
            return "a new device was linked to your account: \(line.deviceID ?? "?"); if you did not link it, your "
                + "account key has leaked"
        case "member_added":
            return "[\(line.channelID ?? "?")] \(line.userID ?? "?") wrote here without being a known member: they get "
                + "nothing until you name them (`send --to \(line.userID ?? "USER")`)"
        case "keys_replenished":
            return "uploaded \(line.count ?? 0) one-time pre-keys"
        case "duplicate":
            return "the server holds \(line.originalID ?? "?") twice (also as \(id)); shown once"
        case "server_diagnosis":
            return "WARNING: \(line.detail ?? "the server has a defect: see Docs/UNCORD_SERVER.md")"
        case "catch_up_incomplete":
            let place = line.channelID.map { "[\($0)] " } ?? ""
            return "\(place)WARNING: some missed messages could not be read (\(line.reason ?? "?"), "
                + "\(line.detail ?? "?")); the next connection tries again"
        default:
            return "\(line.event == "ready" ? "connected" : "resumed") as \(line.userID ?? "?")/\(line.deviceID ?? "?")"
        }
    }

    /// The text of a trust warning, for `send`.
    static func text(of warning: TrustWarning) -> String {
        ListenOutput(json: false, channel: nil, me: DeviceAddress(user: warning.user, device: warning.user)).line(
            for: .trustWarning(warning)
        ).map(text(of:)) ?? "the account key of \(warning.user.wire) changed"
    }

    /// The JSON name of a server diagnosis.
    static func name(of diagnosis: ServerDiagnosis) -> String {
        switch diagnosis {
        case .messageKeysNotDelivered: "message_keys_not_delivered"
        }
    }

    private static func write(_ data: Data) {
        FileHandle.standardOutput.write(data)
    }

    /// Writes `text` on standard error: progress that stays off the printed events.
    private static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
