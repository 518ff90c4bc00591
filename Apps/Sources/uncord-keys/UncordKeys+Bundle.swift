import ArgumentParser
import Foundation
import UncordE2EE
import UncordProtocol

extension UncordKeys {
    /// `uncord-keys bundle …`
    struct Bundle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "This device's public key bundle.",
            discussion: """
                Example:
                  uncord-keys bundle export --json
                """,
            subcommands: [Export.self]
        )
    }
}

extension UncordKeys.Bundle {
    /// `uncord-keys bundle export [--json]`: the exact request bodies that publish this device's keys.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the exact JSON bodies the server takes for this device: registration, signed pre-key, "
                + "one-time pre-keys.",
            discussion: """
                Public keys and signatures only, base64 without padding, byte for byte what `register` and `sync` \
                send. Each body follows the route it goes to; the one-time pre-keys still pending come in batches \
                of at most 100 (keys the server already has are left out: it would refuse their ids). Needs no \
                server. With --json, one object: device_id, register, signed_pre_key, one_time_pre_keys [bodies].

                Example:
                  uncord-keys bundle export
                  uncord-keys bundle export --json | jq .register
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print one JSON object instead of the bodies under their routes.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let bundle = try await LocalSession(storeOptions).engine.bundleExport()
                if json {
                    FileHandle.standardOutput.write(Data(try WireJSON.encode(bundle) + [UInt8(ascii: "\n")]))
                    return
                }
                let device = "/api/v1/users/@me/devices/\(bundle.deviceID.wire)"
                var sections = [
                    ("POST /api/v1/users/@me/devices", try WireJSON.encode(bundle.register)),
                    ("PUT \(device)/signed-pre-key", try WireJSON.encode(bundle.signedPreKey)),
                ]
                for batch in bundle.oneTimePreKeys {
                    sections.append(("POST \(device)/one-time-pre-keys", try WireJSON.encode(batch)))
                }
                print(sections.map { "\($0.0)\n\(String(decoding: $0.1, as: UTF8.self))" }.joined(separator: "\n\n"))
            }
        }
    }
}
