import ArgumentParser
import Foundation
import UncordQRCode

extension UncordKeys {
    /// `uncord-keys link …`: linking a new device to this account (LINKED_DEVICES.md A4).
    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Link a new device to your account: it gets the account key, pins and channels of an existing one.",
            discussion: """
                Every device of an account holds the same account identity key, handed over by a device that \
                already has it — never by the server. Three steps, no server involved: on the new device, `link \
                request` makes its store (waiting to be linked) and shows a request; on an existing device, `link \
                approve REQUEST` checks the link code and shows a response; on the new device, `link complete \
                RESPONSE` checks the confirmation code and stores the account. Then `uncord-keys register` on the \
                new device. Carry the request and the response between the two devices yourself (scan the QR code, \
                or copy the text between your own machines) — never through a server or a chat: the codes only \
                catch a wrong paste; the channel itself must be yours. The request is good for 10 minutes.

                Example:
                  uncord-keys link request --store phone.sqlite
                  uncord-keys link approve 'UEDM1-LINK:AZ…' --store laptop.sqlite
                  uncord-keys link complete 'UEDM1-LINKED:AV…' --store phone.sqlite
                """,
            subcommands: [Request.self, Approve.self, Complete.self]
        )
    }
}

extension UncordKeys.Link {
    /// What every link step says about carrying its text (`what`, such as "the request") to the other device.
    static func carry(_ what: String, to device: String) -> String {
        "Carry \(what) to \(device) yourself (scan the QR code, or copy the text between your own machines) — never "
            + "through a server or a chat."
    }

    /// A six-digit code as typed (spaces allowed), or `nil` when it is not six digits.
    static func code(_ text: String) -> String? {
        let digits = text.filter { $0 != " " }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    /// The QR code of `text` drawn for the terminal; or, when the text does not fit in a QR code or the code is
    /// wider than the terminal standard output writes to, one line that says so (the text is carried instead).
    static func qrCode(_ text: String, lightBackground: Bool) -> String {
        guard let code = try? QRCode(encoding: text) else { return "(too long for a QR code: carry the text)" }
        let quietZone = 2
        let width = code.size + 2 * quietZone
        if let columns = Terminal.outputColumns, width > columns {
            return "(its QR code is \(width) columns wide, wider than this terminal: widen it to scan the code, or "
                + "carry the text)"
        }
        return code.terminalText(quietZone: quietZone, lightBackground: lightBackground)
    }
}
