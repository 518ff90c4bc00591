import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys chat (--channel UUID | --to USER) [--json]`: a terminal DM — prints what arrives, sends each line
    /// typed.
    struct Chat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A conversation in the terminal: print incoming messages and warnings, send each line typed.",
            discussion: """
                Connects to the gateway like `listen` (every frame goes through the engine: messages are \
                decrypted and stored, pre-keys replenished, identity changes warned about) and prints the \
                channel's messages and every warning as they arrive; each line read from standard input is \
                encrypted and sent to the channel. Ends at the end of standard input (Ctrl-D). With --to USER and \
                no --channel, opens (or finds) the DM with that user first. Works beside a `listen` or any other \
                command on the same store. With --json, prints `listen --json` lines, plus \
                {"event":"sent","message_id","channel_id"} for each line sent.

                Example:
                  uncord-keys chat --to 0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Option(help: ArgumentHelp("The DM channel to talk in.", valueName: "uuid"))
        var channel: String?

        @Option(
            help: ArgumentHelp(
                "The user to talk to (their DM is opened when no --channel is given).", valueName: "user"))
        var to: String?

        @Flag(help: "Print one JSON object per line instead of text.")
        var json = false

        func validate() throws {
            if let channel, UUID(uuidString: channel) == nil { throw ValidationError("--channel must be a UUID") }
            if let to, UUID(uuidString: to) == nil { throw ValidationError("--to must be a user UUID") }
            if channel == nil && to == nil { throw ValidationError("give --channel UUID or --to USER") }
        }

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let (session, _, engine) = try await NetworkSession.registered(
                    networkOptions, storeOptions, probe: false)
                let peer = to.flatMap { UUID(uuidString: $0) }
                let channelID: UUID
                if let channel, let id = UUID(uuidString: channel) {
                    channelID = id
                } else if let peer {
                    let opened = try await session.api.createDMChannel(.direct(recipientID: peer))
                    try await engine.rememberChannel(opened.id, members: [peer], kind: opened.kind)
                    channelID = opened.id
                } else {
                    throw ValidationError("give --channel UUID or --to USER")
                }
                let output = ListenOutput(json: json, channel: channelID, me: engine.address)
                if !json { Terminal.note("Talking in \(channelID.wire); type a line to send it, Ctrl-D to end.") }
                let gateway = session.gateway(configuration: GatewayConfiguration(maximumAttempts: 5))
                let connection = Task { try await gateway.run() }
                let typing = Task {
                    defer { Task { await gateway.stop() } }
                    for await line in Self.standardInputLines() {
                        let text = line.trimmingCharacters(in: .whitespaces)
                        guard !text.isEmpty else { continue }
                        do {
                            let id = try await Self.send(
                                text, channel: channelID, to: peer.map { [$0] } ?? [], engine: engine, session: session,
                                output: output)
                            Self.report(sent: id, channel: channelID, json: json)
                        } catch {
                            FileHandle.standardError.write(
                                Data("error: not sent: \(FailureReport.line(for: error, storePath: nil))\n".utf8))
                        }
                    }
                }
                for await event in engine.events(from: gateway.frames) { output.emit(event) }
                typing.cancel()
                try await connection.value
            }
        }

        /// Prepares, posts and acknowledges one message, printing its warnings; answers its id.
        private static func send(
            _ text: String, channel: UUID, to participants: [UUID], engine: E2EEEngine, session: NetworkSession,
            output: ListenOutput
        ) async throws -> UUID {
            for entry in try await engine.pendingSends() {
                let message = try await session.api.sendMessage(channel: entry.channel, body: entry.body)
                _ = try await engine.markSent(entry, messageID: message.id)
            }
            let prepared = try await engine.prepareMessage(text: text, channel: channel, participants: participants)
            for event in prepared.events { output.emit(event) }
            for warning in prepared.warnings { output.emit(.trustWarning(warning)) }
            let message = try await session.api.sendMessage(channel: prepared.channel, body: prepared.body)
            try await engine.markSent(prepared, messageID: message.id)
            return message.id
        }

        private static func report(sent id: UUID, channel: UUID, json: Bool) {
            let line =
                json
                ? #"{"channel_id":"\#(channel.wire)","event":"sent","message_id":"\#(id.wire)"}"# : "sent \(id.wire)"
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }

        /// The lines of standard input, read on a thread of their own; the sequence ends at the end of input.
        private static func standardInputLines() -> AsyncStream<String> {
            AsyncStream { continuation in
                Thread.detachNewThread {
                    while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                    continuation.finish()
                }
            }
        }
    }
}
