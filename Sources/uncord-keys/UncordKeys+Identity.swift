import ArgumentParser
import Foundation
import UncordCrypto
import UncordE2EE
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys identity …`
    struct Identity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "This device's identity key.",
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
            abstract: "Replace this device's identity key (after a suspected compromise) and upload it.",
            discussion: """
                Makes a new identity key, a signed pre-key signed by it and new one-time pre-keys (the old ones go), \
                archives every session, then uploads the key and the pre-keys. Every peer sees that this device's \
                key changed: they are warned, and those who had verified it cannot send to you until they accept \
                the change; safety numbers change. Messages started against the old key and not yet received \
                cannot be read. Asks for confirmation first (type yes), unless --yes; without a terminal, --yes is \
                required. If an upload fails, the new key is kept and `uncord-keys sync` finishes it. With --json, \
                one object: previous_identity_key, identity_key, signed_pre_key, one_time_pre_keys, \
                archived_sessions.

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
                let session = try NetworkSession(options: networkOptions)
                let (_, engine) = try await session.registeredEngine(storeOptions)
                if !yes {
                    Terminal.note(
                        """
                        This replaces the identity key of \(engine.address.user.wire)/\(engine.address.device.wire).
                        Every peer will be warned that this device's key changed; peers who verified it cannot send \
                        to you until they accept the change, and every safety number changes. Messages started \
                        against the old key and not yet received will not be readable.
                        """)
                    let answer = Terminal.ask("Type yes to replace the identity key: ")
                    guard answer?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
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
                let rotated = Rotated(rotation)
                if json {
                    try Output.json(rotated)
                    return
                }
                Output.rows([
                    ("identity key", "\(rotated.previousIdentityKey) → \(rotated.identityKey), uploaded"),
                    ("signed pre-key", "#\(rotated.signedPreKey), uploaded"),
                    ("one-time pre-keys", "\(rotated.oneTimePreKeys) made and uploaded; the old ones are gone"),
                    ("sessions", "\(rotated.archivedSessions) archived; the next message to each starts anew"),
                ])
            }
        }

        private struct Rotated: Encodable {
            var previousIdentityKey: String
            var identityKey: String
            var signedPreKey: UInt32
            var oneTimePreKeys: Int
            var archivedSessions: Int

            init(_ rotation: IdentityRotation) {
                previousIdentityKey = Base64.encode(rotation.previousIdentityKey.bytes)
                identityKey = Base64.encode(rotation.identityKey.bytes)
                signedPreKey = rotation.signedPreKey.id
                oneTimePreKeys = rotation.oneTimePreKeys
                archivedSessions = rotation.archivedSessions
            }

            enum CodingKeys: String, CodingKey {
                case previousIdentityKey = "previous_identity_key"
                case identityKey = "identity_key"
                case signedPreKey = "signed_pre_key"
                case oneTimePreKeys = "one_time_pre_keys"
                case archivedSessions = "archived_sessions"
            }
        }
    }
}
