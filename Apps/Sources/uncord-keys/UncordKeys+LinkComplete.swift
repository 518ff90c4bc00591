import ArgumentParser
import Foundation
import UncordCrypto
import UncordRatchet
import UncordStore

extension UncordKeys.Link {
    /// `uncord-keys link complete RESPONSE --store NEW [--confirmation-code DIGITS] [--prekeys N] [--json]`, on the
    /// new device.
    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "On the new device: open the approving device's response and store the account it hands over.",
            discussion: """
                Opens the response with the store's waiting request and shows its 6-digit confirmation code; stores \
                nothing until you confirm (y/N) that the approving device shows the same, or give that code with \
                --confirmation-code (another one is refused with exit code 3, and the store still waits). Without a \
                terminal, --confirmation-code is required. Then it stores the account key, every pin and channel of \
                the approving device, a signed pre-key and --prekeys one-time pre-keys: the store is a device of the \
                account, to register with `uncord-keys register`. A response that is altered, made for another or an \
                earlier request, for another account (--user of `link request`), later than 10 minutes after the \
                request, or used a second time is refused, and nothing is stored. With --json, one object: \
                user_id, device_id, identity_key, pins, channels (the numbers copied).

                Example:
                  uncord-keys link complete 'UEDM1-LINKED:AV…' --store ~/phone.sqlite --confirmation-code 654321
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The approving device's response, UEDM1-LINKED:….", valueName: "response"))
        var response: String

        @Option(help: ArgumentHelp("The confirmation code the approving device shows (6 digits).", valueName: "digits"))
        var confirmationCode: String?

        @Option(help: ArgumentHelp("How many one-time pre-keys to make (0 to 10000).", valueName: "n"))
        var prekeys = 100

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            _ = try linkResponse()
            guard (0...10_000).contains(prekeys) else { throw ValidationError("--prekeys must be 0 to 10000") }
            if let confirmationCode {
                guard UncordKeys.Link.code(confirmationCode) != nil else {
                    throw ValidationError(
                        "--confirmation-code must be the 6 digits the approving device shows, like 654321")
                }
            } else if !Terminal.isInteractive {
                throw ValidationError(
                    "completing a link needs the confirmation code compared: run it in a terminal to answer, or pass "
                        + "--confirmation-code DIGITS with the code the approving device shows")
            }
        }

        /// The response argument, read.
        private func linkResponse() throws -> LinkResponse {
            do {
                return try LinkResponse(text: response)
            } catch {
                let trimmed = response.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.hasPrefix(LinkRequest.textPrefix) {
                    throw ValidationError(
                        "this is a link request, not a response: approve it on a device of your account with "
                            + "`uncord-keys link approve`, and give what that prints here")
                }
                throw ValidationError(
                    "\(error); give the UEDM1-LINKED: text that `uncord-keys link approve` printed")
            }
        }

        func run() throws {
            let path = storeOptions.path
            try reportingFailures(storePath: path) {
                let response = try linkResponse()
                guard storeOptions.holdsStore else { throw CLIError.noWaitingStore(path: path) }
                let key = try storeOptions.keySource()
                let opened: OpenedLink
                do {
                    opened = try SQLiteStore.openLinkResponse(response, at: path, key: key)
                } catch StoreError.alreadyInitialized {
                    throw CLIError.alreadyLinked(path: path)
                }
                let payload = opened.payload
                let pins = payload.pins.filter { $0.user != payload.user }
                if let confirmationCode {
                    guard UncordKeys.Link.code(confirmationCode) == opened.confirmationCode else {
                        throw CLIError.confirmationCodeMismatch(path: path)
                    }
                } else {
                    Terminal.note(
                        """
                        The response hands this device the account \(payload.user.wire) (from its device \
                        \(payload.fromDevice.wire)), with \(pins.count) pin(s) and \(payload.channels.count) \
                        channel(s). Nothing is stored until you confirm.
                        confirmation code  \(opened.confirmationCode)
                        """)
                    let question = "Does the approving device show the confirmation code \(opened.confirmationCode)? "
                    guard Terminal.confirm(question + "[y/N] ") else {
                        throw CLIError.codesNotConfirmed(
                            code: "confirmation code", outcome: "nothing was stored and the store still waits",
                            option: "--confirmation-code")
                    }
                }
                let status: StoreStatus
                do {
                    status = try SQLiteStore.completeLink(opened, at: path, key: key, oneTimePreKeys: prekeys).status()
                } catch StoreError.alreadyInitialized {
                    throw CLIError.alreadyLinked(path: path)
                }
                if json {
                    try Output.json(
                        Linked(
                            userID: status.userID.wire, deviceID: status.deviceID.wire,
                            identityKey: Base64.encode(payload.identityKey.bytes), pins: pins.count,
                            channels: payload.channels.count))
                    return
                }
                let verified = pins.filter { $0.trust == .verified }.count
                print("Linked: this store is now a device of \(status.userID.wire)")
                Output.rows([
                    ("store", path),
                    ("user id", status.userID.wire),
                    ("device id", status.deviceID.wire),
                    ("identity key", "\(status.identityKey) (the account key)"),
                    ("pins", "\(pins.count) copied (\(verified) verified), from \(payload.fromDevice.wire)"),
                    ("channels", "\(payload.channels.count) copied"),
                    ("one-time pre-keys", "\(status.oneTimePreKeys.pending), not yet published"),
                ])
                print(
                    """

                    Now register this device with the server, with a token of the same account:
                        uncord-keys register --store \(path)
                    Your other devices will report it as a newly linked device of your account.
                    """)
            }
        }

        private struct Linked: Encodable {
            var userID: String
            var deviceID: String
            var identityKey: String
            var pins: Int
            var channels: Int
            enum CodingKeys: String, CodingKey {
                case pins, channels
                case userID = "user_id"
                case deviceID = "device_id"
                case identityKey = "identity_key"
            }
        }
    }
}
