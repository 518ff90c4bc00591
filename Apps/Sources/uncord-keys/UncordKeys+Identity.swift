import ArgumentParser
import Foundation
import UncordClient
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys identity …`
    struct Identity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Your account identity key, which every device of your account holds.",
            discussion: """
                Example:
                  uncord-keys identity rotate
                """,
            subcommands: [Rotate.self]
        )
    }
}

extension UncordKeys.Identity {
    /// `uncord-keys identity rotate [--yes] [--prekeys N] [--json]`
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace your account identity key (after a suspected compromise): other devices are removed.",
            discussion: """
                Makes a new account identity key, a signed pre-key signed by it and new one-time pre-keys (the old \
                ones go), and archives every session; then deletes every other device of your account from the \
                server (they hold the old key, and while one is listed your peers keep the old key and refuse this \
                device), then uploads the new key and the pre-keys. Link again from this device each device you \
                keep (`uncord-keys link request` on it, `uncord-keys link approve` here). Every peer sees that your \
                account key changed: they are warned, those who had verified you cannot send to you until they \
                accept the change, and all of them must compare safety numbers with you again to verify you. \
                Messages started against the old key and not yet received cannot be read. It says all this, with \
                the devices it will remove, before it acts, and asks for confirmation (y/N) unless --yes; without a \
                terminal, --yes is required. If a deletion or an upload fails, the new key is kept and \
                `uncord-keys sync` finishes it (deleting the other devices first). With --json, one object: \
                previous_identity_key, identity_key, signed_pre_key, one_time_pre_keys, archived_sessions, \
                removed_devices.

                Example:
                  uncord-keys identity rotate
                  uncord-keys identity rotate --yes --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Flag(help: "Do not ask for confirmation.")
        var yes = false

        @Option(help: ArgumentHelp("How many one-time pre-keys to make (0 to 10000).", valueName: "n"))
        var prekeys = 100

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            guard (0...10_000).contains(prekeys) else { throw ValidationError("--prekeys must be 0 to 10000") }
            guard yes || Terminal.isInteractive else {
                throw ValidationError(
                    "rotating the identity key needs a confirmation: run it in a terminal to answer, or pass --yes")
            }
        }

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let (session, store, engine) = try await NetworkSession.registered(networkOptions, storeOptions)
                // Before any question: a rotation needs the store to itself (a running `listen` must stop first).
                try store.checkNotOpenElsewhere()
                let me = engine.address
                let others = try await session.api.devices().filter { $0.deviceID != me.device }
                Terminal.note(Self.warning(user: me.user, device: me.device, others: others))
                if !yes {
                    guard Terminal.confirm("Replace the account key and remove the other devices? [y/N] ") else {
                        throw CLIError.notConfirmed("replacing the identity key")
                    }
                }
                let rotation: IdentityRotation
                do {
                    rotation = try await engine.rotateIdentity(oneTimePreKeys: prekeys)
                } catch let error as E2EEError {
                    guard case .server(let detail) = error else { throw error }
                    throw CLIError.uploadFailed(what: "the new identity key", detail: detail)
                }
                let rotated = Rotated(rotation, removedDevices: others.map(\.deviceID.wire))
                if json {
                    try Output.json(rotated)
                    return
                }
                Output.rows([
                    ("identity key", "\(rotated.previousIdentityKey) → \(rotated.identityKey), uploaded"),
                    ("signed pre-key", "#\(rotated.signedPreKey), uploaded"),
                    (
                        "one-time pre-keys",
                        "\(rotated.oneTimePreKeys) made and uploaded; the unused old ones stay usable"
                    ),
                    ("sessions", "\(rotated.archivedSessions) archived; the next message to each starts anew"),
                    (
                        "other devices",
                        others.isEmpty
                            ? "none on the server"
                            : "\(others.count) removed from the server; link again from this one those you keep"
                    ),
                ])
            }
        }

        /// What the command says before it acts (LINKED_DEVICES.md A5).
        static func warning(user: UUID, device: UUID, others: [Device]) -> String {
            let listed =
                others.isEmpty
                ? "none is listed now"
                : "\(others.count) listed now: "
                    + others.map { $0.deviceID.wire + ($0.label.map { " (\($0))" } ?? "") }.joined(separator: ", ")
            return """
                This replaces the account identity key of \(user.wire), held by this device (\(device.wire)) and \
                every device linked to it.
                Before the new key is uploaded, every other device of your account is removed from the server \
                (\(listed)). Link again from this device each one you keep: `uncord-keys link request` on it, then \
                `uncord-keys link approve` here.
                Your peers will see that your account key changed: they are warned, those who verified you cannot \
                send to you until they accept the change, and all must compare safety numbers with you again to \
                verify you. Messages started against the old key and not yet received will not be readable.
                """
        }

        private struct Rotated: Encodable {
            var previousIdentityKey: String
            var identityKey: String
            var signedPreKey: UInt32
            var oneTimePreKeys: Int
            var archivedSessions: Int
            var removedDevices: [String]

            init(_ rotation: IdentityRotation, removedDevices: [String]) {
                previousIdentityKey = Base64.encode(rotation.previousIdentityKey.bytes)
                identityKey = Base64.encode(rotation.identityKey.bytes)
                signedPreKey = rotation.signedPreKey.id
                oneTimePreKeys = rotation.oneTimePreKeys
                archivedSessions = rotation.archivedSessions
                self.removedDevices = removedDevices
            }

            enum CodingKeys: String, CodingKey {
                case previousIdentityKey = "previous_identity_key"
                case identityKey = "identity_key"
                case signedPreKey = "signed_pre_key"
                case oneTimePreKeys = "one_time_pre_keys"
                case archivedSessions = "archived_sessions"
                case removedDevices = "removed_devices"
            }
        }
    }
}
