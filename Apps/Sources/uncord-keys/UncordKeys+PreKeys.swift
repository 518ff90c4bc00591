import ArgumentParser
import Foundation
import UncordE2EE
import UncordStore

extension UncordKeys {
    /// `uncord-keys prekeys …`
    struct PreKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prekeys",
            abstract: "This device's signed and one-time pre-keys: list, replenish, rotate.",
            discussion: """
                Example:
                  uncord-keys prekeys list
                  uncord-keys prekeys replenish --target 200
                  uncord-keys prekeys rotate-signed
                """,
            subcommands: [List.self, Replenish.self, RotateSigned.self]
        )
    }
}

extension UncordKeys.PreKeys {
    /// `uncord-keys prekeys list [--json]`: ids, states and times; never a private key.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List this device's pre-keys: ids, states and creation times (never a private key).",
            discussion: """
                Signed pre-keys: the current one, then retired ones (kept 30 days for messages in flight), each \
                published or not. One-time pre-keys: pending (not yet on the server) or published (on the server, \
                unused). Needs no server. With --json, one object: signed_pre_keys [{id, state, published, \
                created_at, retired_at?}], one_time_pre_keys [{id, state, created_at}].

                Example:
                  uncord-keys prekeys list --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            try reportingFailures(storePath: storeOptions.path) {
                let store = try NetworkSession.openStore(storeOptions)
                let signed = try store.signedPreKeyList()
                let oneTime = try store.oneTimePreKeyList()
                if json {
                    try Output.json(Listing(signed: signed, oneTime: oneTime))
                    return
                }
                print("signed pre-keys")
                for key in signed {
                    let state = key.isCurrent ? "current" : "retired \(Output.time(key.retiredAt) ?? "?")"
                    print(
                        "  #\(key.id)  \(state), \(key.isPublished ? "published" : "not yet published"), created "
                            + (Output.time(key.createdAt) ?? "?"))
                }
                let pending = oneTime.filter { $0.state == .pending }.count
                print("one-time pre-keys: \(oneTime.count) (\(pending) pending, \(oneTime.count - pending) published)")
                for key in oneTime {
                    print("  #\(key.id)  \(key.state.rawValue), created \(Output.time(key.createdAt) ?? "?")")
                }
            }
        }

        /// The JSON form.
        private struct Listing: Encodable {
            struct Signed: Encodable {
                var id: UInt32
                var state: String
                var published: Bool
                var createdAt: String?
                var retiredAt: String?
                enum CodingKeys: String, CodingKey {
                    case id, state, published
                    case createdAt = "created_at"
                    case retiredAt = "retired_at"
                }
            }
            struct OneTime: Encodable {
                var id: UInt32
                var state: String
                var createdAt: String?
                enum CodingKeys: String, CodingKey {
                    case id, state
                    case createdAt = "created_at"
                }
            }
            var signedPreKeys: [Signed]
            var oneTimePreKeys: [OneTime]

            init(signed: [SignedPreKeyInfo], oneTime: [OneTimePreKeyInfo]) {
                signedPreKeys = signed.map {
                    Signed(
                        id: $0.id, state: $0.isCurrent ? "current" : "retired", published: $0.isPublished,
                        createdAt: Output.time($0.createdAt), retiredAt: Output.time($0.retiredAt))
                }
                oneTimePreKeys = oneTime.map {
                    OneTime(id: $0.id, state: $0.state.rawValue, createdAt: Output.time($0.createdAt))
                }
            }

            enum CodingKeys: String, CodingKey {
                case signedPreKeys = "signed_pre_keys"
                case oneTimePreKeys = "one_time_pre_keys"
            }
        }
    }

    /// `uncord-keys prekeys replenish [--target N] [--json]`: tops the server's one-time pre-keys up to N.
    struct Replenish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Top the server's one-time pre-keys up to a target: make the missing keys and upload them.",
            discussion: """
                Reads how many one-time pre-keys the server holds, makes the missing ones (stored pending first) and \
                uploads every pending key in batches of 100; progress goes to standard error. A failed upload keeps \
                the keys pending: run the command again. With --json, one object: target, generated, uploaded, \
                on_server_before, on_server_after.

                Example:
                  export UNCORD_SERVER=http://127.0.0.1:8080 UNCORD_TOKEN='…'
                  uncord-keys prekeys replenish --target 500
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Option(help: ArgumentHelp("How many one-time pre-keys the server should hold (1 to 10000).", valueName: "n"))
        var target = 100

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            guard (1...10_000).contains(target) else { throw ValidationError("--target must be 1 to 10000") }
        }

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let (_, _, engine) = try await NetworkSession.registered(networkOptions, storeOptions)
                let result = try await engine.replenishOneTimePreKeys(target: target) { step in
                    switch step {
                    case .generated(let count): Terminal.note("made \(count) one-time pre-keys")
                    case .uploaded(let done, let total): Terminal.note("uploaded \(done)/\(total)")
                    }
                }
                if json {
                    try Output.json(Replenished(target: target, result: result))
                    return
                }
                Output.rows([
                    ("target", "\(target)"),
                    ("made", "\(result.generated)"),
                    ("uploaded", "\(result.uploaded)"),
                    ("on the server", "\(result.onServerBefore) → \(result.onServerAfter)"),
                ])
            }
        }

        /// The JSON form.
        private struct Replenished: Encodable {
            var target: Int
            var result: PreKeyReplenishment

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(target, forKey: .target)
                try container.encode(result.generated, forKey: .generated)
                try container.encode(result.uploaded, forKey: .uploaded)
                try container.encode(result.onServerBefore, forKey: .onServerBefore)
                try container.encode(result.onServerAfter, forKey: .onServerAfter)
            }

            private enum Keys: String, CodingKey {
                case target, generated, uploaded
                case onServerBefore = "on_server_before"
                case onServerAfter = "on_server_after"
            }
        }
    }

    /// `uncord-keys prekeys rotate-signed [--json]`: a new signed pre-key now, uploaded.
    struct RotateSigned: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-signed",
            abstract:
                "Make a new signed pre-key now and upload it; the old one is kept 30 days for messages in flight.",
            discussion: """
                `sync` and `listen` rotate it every 7 days anyway; this does it now (after a suspected leak, say). \
                If the upload fails the new key is kept and `uncord-keys sync` uploads it. With --json, one \
                object: signed_pre_key {id, created_at}, retired.

                Example:
                  uncord-keys prekeys rotate-signed
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let (_, store, engine) = try await NetworkSession.registered(networkOptions, storeOptions)
                let before = try store.currentSignedPreKey()
                let record: SignedPreKeyRecord
                do {
                    record = try await engine.rotateSignedPreKey()
                } catch let error as E2EEError {
                    guard case .server(let detail) = error else { throw error }
                    throw CLIError.uploadFailed(what: "the new signed pre-key", detail: detail)
                }
                if json {
                    try Output.json(
                        Rotated(
                            signedPreKey: .init(id: record.id, createdAt: Output.time(record.createdAt)),
                            retired: before.id))
                    return
                }
                Output.rows([
                    ("signed pre-key", "#\(record.id), uploaded"),
                    ("retired", "#\(before.id), kept 30 days for messages in flight"),
                ])
            }
        }

        /// The JSON form.
        private struct Rotated: Encodable {
            struct Signed: Encodable {
                var id: UInt32
                var createdAt: String
                enum CodingKeys: String, CodingKey {
                    case id
                    case createdAt = "created_at"
                }
            }
            var signedPreKey: Signed
            var retired: UInt32
            enum CodingKeys: String, CodingKey {
                case retired
                case signedPreKey = "signed_pre_key"
            }
        }
    }
}
