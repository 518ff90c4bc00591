import ArgumentParser
import Foundation
import UncordE2EE
import UncordRatchet

extension UncordKeys.Link {
    /// `uncord-keys link approve REQUEST --store OLD [--code DIGITS] [--json]`, on a device already on the account.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "On a device of your account: approve a new device's link request and show the response.",
            discussion: """
                Shows the request's 6-digit link code and asks you to confirm (y/N) that the new device shows the \
                same; or give that code with --code, and another one is refused with exit code 3. Without a \
                terminal, --code is required. Then it seals this account's key, every pin (with its trust) and \
                every channel for that request alone, and prints the response (UEDM1-LINKED:…, and its QR code when \
                it fits in one) with a 6-digit confirmation code the new device must show too. Carry the response to \
                the new device yourself — never through a server or a chat — and run `uncord-keys link complete` \
                there. Nothing is stored here and no server is needed. With --json, one object: response, \
                confirmation_code.

                Example:
                  uncord-keys link approve 'UEDM1-LINK:AZ…' --code 123456
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The new device's request, UEDM1-LINK:….", valueName: "request"))
        var request: String

        @Option(help: ArgumentHelp("The link code the new device shows (6 digits).", valueName: "digits"))
        var code: String?

        @Flag(help: "Draw the QR code for a terminal with a light background (dark text).")
        var lightBackground = false

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            _ = try linkRequest()
            if let code {
                guard UncordKeys.Link.code(code) != nil else {
                    throw ValidationError("--code must be the 6 digits the new device shows, like 123456")
                }
            } else if !Terminal.isInteractive {
                throw ValidationError(
                    "approving a link needs the link code compared: run it in a terminal to answer, or pass --code "
                        + "DIGITS with the code the new device shows")
            }
        }

        /// The request argument, read.
        private func linkRequest() throws -> LinkRequest {
            do {
                return try LinkRequest(text: request)
            } catch {
                throw ValidationError(
                    "\(error); give the UEDM1-LINK: text that `uncord-keys link request` shows on the new device")
            }
        }

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let request = try linkRequest()
                let session = try LocalSession(storeOptions)
                if let code {
                    guard UncordKeys.Link.code(code) == request.linkCode else { throw CLIError.linkCodeMismatch }
                } else {
                    Terminal.note(
                        """
                        A new device (\(request.deviceID.wire)) asks to join your account \
                        \(session.engine.address.user.wire). If it shows this same link code, this device hands it \
                        your account key, your pins and your channels.
                        link code          \(request.linkCode)
                        """)
                    guard Terminal.confirm("Does the new device show the link code \(request.linkCode)? [y/N] ") else {
                        throw CLIError.codesNotConfirmed(
                            code: "link code", outcome: "nothing was made", option: "--code")
                    }
                }
                let (response, confirmationCode) = try await session.engine.approveLink(request)
                if json {
                    Terminal.note(UncordKeys.Link.carry("the response", to: "the new device"))
                    try Output.json(Approved(response: response.text, confirmationCode: confirmationCode))
                    return
                }
                print("Approved the link of device \(request.deviceID.wire) to \(session.engine.address.user.wire).\n")
                print(UncordKeys.Link.qrCode(response.text, lightBackground: lightBackground) + "\n")
                print(response.text + "\n")
                Output.rows([("confirmation code", confirmationCode)])
                print(
                    """

                    \(UncordKeys.Link.carry("this response", to: "the new device")) It holds your account key, \
                    sealed for that request alone; keep no copy. \
                    On the new device, run
                        uncord-keys link complete RESPONSE --store NEW.sqlite
                    with the text above as RESPONSE, and check that it shows the confirmation code \
                    \(confirmationCode) before you confirm there.
                    """)
            }
        }

        private struct Approved: Encodable {
            var response: String
            var confirmationCode: String
            enum CodingKeys: String, CodingKey {
                case response
                case confirmationCode = "confirmation_code"
            }
        }
    }
}
