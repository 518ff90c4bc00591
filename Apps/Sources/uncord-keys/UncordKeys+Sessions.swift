import ArgumentParser
import Foundation
import UncordE2EE
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys sessions …`
    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The encrypted sessions this device keeps with peer devices.",
            discussion: """
                Example:
                  uncord-keys sessions list
                  uncord-keys sessions reset 6f1c2a4e-0000-4000-8000-000000000002 3d2c1b0a-0000-4000-8000-000000000009
                """,
            subcommands: [List.self, Reset.self]
        )
    }
}

extension UncordKeys.Sessions {
    /// `uncord-keys sessions list [--json]`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the sessions with each peer device: the active one and the earlier ones kept.",
            discussion: """
                A device has one active session (it sends) and up to five earlier ones, kept to decrypt messages \
                still in flight. An archived session (after `sessions reset`, or this device's new identity key) \
                still decrypts, but the next send starts a new session. Needs no server. With --json, one object: \
                sessions [{user_id, device_id, position, state (active, archived or earlier), created_at, \
                archived_at?}].

                Example:
                  uncord-keys sessions list --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let sessions = try await LocalSession(storeOptions).engine.sessions().map(SessionJSON.init)
                if json {
                    try Output.json(["sessions": sessions])
                    return
                }
                guard !sessions.isEmpty else {
                    print("no sessions yet: one starts with the first message to or from a device")
                    return
                }
                for session in sessions {
                    var state = session.state == "earlier" ? "earlier #\(session.position)" : session.state
                    if let archived = session.archivedAt { state += " \(archived)" }
                    print(
                        "\(session.userID)/\(session.deviceID)  \(state), created \(session.createdAt ?? "?")")
                }
            }
        }

        private struct SessionJSON: Encodable {
            var userID: String
            var deviceID: String
            var position: Int
            var state: String
            var createdAt: String?
            var archivedAt: String?

            init(_ summary: SessionSummary) {
                userID = summary.peer.user.wire
                deviceID = summary.peer.device.wire
                position = summary.position
                state = summary.archivedAt != nil ? "archived" : summary.isActive ? "active" : "earlier"
                createdAt = Output.time(summary.createdAt)
                archivedAt = Output.time(summary.archivedAt)
            }

            enum CodingKeys: String, CodingKey {
                case position, state
                case userID = "user_id"
                case deviceID = "device_id"
                case createdAt = "created_at"
                case archivedAt = "archived_at"
            }
        }
    }

    /// `uncord-keys sessions reset USER DEVICE [--json]`
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive the sessions with one peer device; the next message to it starts a new session.",
            discussion: """
                Use it when a device cannot read your messages any more (it lost its state, say). The archived \
                sessions still decrypt messages already in flight. Needs no server; the next `send` fetches a fresh \
                pre-key bundle. With --json, one object: user_id, device_id, archived_sessions.

                Example:
                  uncord-keys sessions reset 6f1c2a4e-0000-4000-8000-000000000002 3d2c1b0a-0000-4000-8000-000000000009
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The peer's user id.", valueName: "user"), transform: uuidArgument("USER"))
        var user: UUID

        @Argument(help: ArgumentHelp("The peer's device id.", valueName: "device"), transform: uuidArgument("DEVICE"))
        var device: UUID

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let engine = try LocalSession(storeOptions).engine
                let count = try await engine.resetSessions(with: DeviceAddress(user: user, device: device))
                if json {
                    try Output.json(Archived(userID: user.wire, deviceID: device.wire, archivedSessions: count))
                    return
                }
                print(
                    "archived \(count) session(s) with \(user.wire)/\(device.wire); the next message to it starts "
                        + "a new session")
            }
        }

        private struct Archived: Encodable {
            var userID: String
            var deviceID: String
            var archivedSessions: Int
            enum CodingKeys: String, CodingKey {
                case userID = "user_id"
                case deviceID = "device_id"
                case archivedSessions = "archived_sessions"
            }
        }
    }
}
