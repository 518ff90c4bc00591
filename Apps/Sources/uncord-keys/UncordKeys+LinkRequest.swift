import ArgumentParser
import Foundation
import UncordRatchet
import UncordStore

extension UncordKeys.Link {
    /// `uncord-keys link request --store NEW [--user UUID] [--label TEXT] [--json]`, on the new device.
    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "On the new device: make its store, waiting to be linked, and show the link request.",
            discussion: """
                Creates the store (its directory with mode 0700 when missing) with a new device id and a one-time \
                key, and prints the request as text (UEDM1-LINK:…) and as a QR code, with its 6-digit link code. \
                Until `link complete`, the store is used for nothing else. On a store already waiting, it makes a \
                new request and the earlier one can no longer be answered; a store that holds a device is refused. \
                A response must come back within 10 minutes. Without --passphrase-file or \
                \(StoreOptions.passphraseVariable), a new store's passphrase is asked for twice at the terminal. \
                With --json, one object: request, link_code, device_id.

                Example:
                  uncord-keys link request --store ~/phone.sqlite --user 0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(
            help: ArgumentHelp(
                "Your Uncord user id: a response from a device of another account is refused (default: the "
                    + "account the response names).",
                valueName: "uuid"),
            transform: uuidArgument("--user"))
        var user: UUID?

        @Option(help: ArgumentHelp("A name for this device, shown to you only.", valueName: "text"))
        var label: String?

        @Flag(help: "Draw the QR code for a terminal with a light background (dark text).")
        var lightBackground = false

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let path = storeOptions.path
            try reportingFailures(storePath: path) {
                let existing = storeOptions.holdsStore
                let key = try storeOptions.keySource(creating: !existing)
                if !existing { try storeOptions.prepareDirectory() }
                let request: LinkRequest
                do {
                    request = try SQLiteStore.requestLink(at: path, user: user, label: label, key: key)
                } catch StoreError.alreadyInitialized {
                    throw CLIError.storeHoldsDevice(path: path)
                }
                let replaced =
                    "This store was waiting already: this new request replaces the earlier one, which can "
                    + "no longer be answered."
                if json {
                    if existing { Terminal.note(replaced) }
                    try Output.json(
                        Shown(request: request.text, linkCode: request.linkCode, deviceID: request.deviceID.wire))
                    return
                }
                print(existing ? replaced : "Created a store waiting to be linked at \(path)")
                Output.rows([
                    ("device id", request.deviceID.wire),
                    ("link code", request.linkCode),
                ])
                print("")
                print(UncordKeys.Link.qrCode(request.text, lightBackground: lightBackground) + "\n")
                print(request.text + "\n")
                print(
                    """
                    On a device already on your account, approve this request; check that it shows the link code \
                    \(request.linkCode):
                        uncord-keys link approve '\(request.text)'
                    \(UncordKeys.Link.carry("the request", to: "it")) Then, within 10 minutes, bring its response \
                    back here the same way:
                        uncord-keys link complete RESPONSE --store \(path)
                    """)
            }
        }

        private struct Shown: Encodable {
            var request: String
            var linkCode: String
            var deviceID: String
            enum CodingKeys: String, CodingKey {
                case request
                case linkCode = "link_code"
                case deviceID = "device_id"
            }
        }
    }
}
