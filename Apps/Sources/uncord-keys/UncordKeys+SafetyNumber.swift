import ArgumentParser
import Foundation
import UncordE2EE
import UncordQRCode
import UncordRatchet

extension UncordKeys {
    /// `uncord-keys safety-number USER [--png FILE] [--light-background] [--json]`
    struct SafetyNumberCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "safety-number",
            abstract: "Show the safety number with a user: 60 digits and a QR code to scan, to compare out of band.",
            discussion: """
                The number covers this user's devices and the other user's pinned devices (PROTOCOL.md section 8); \
                both sides see the same one. The QR code holds the text UEDM1-SN: and the 60 digits, drawn with \
                Unicode half blocks for a dark terminal (--light-background for a light one); --png FILE writes it \
                as an image too. When the numbers match, run `uncord-keys peers verify USER --safety-number …`. \
                Needs no server. With --json, one object: user_id, safety_number (60 digits), formatted, scannable, \
                png (when written).

                Example:
                  uncord-keys safety-number 6f1c2a4e-0000-4000-8000-000000000002 --png bob.png
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The other user's id.", valueName: "user"), transform: uuidArgument("USER"))
        var user: UUID

        @Option(help: ArgumentHelp("Also write the QR code as a PNG image to this file.", valueName: "file"))
        var png: String?

        @Flag(help: "Draw the QR code for a terminal with a light background (dark text).")
        var lightBackground = false

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            if let png, png.isEmpty { throw ValidationError("--png needs a file name, like --png safety-number.png") }
        }

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let session = try LocalSession(storeOptions)
                let number = try await session.engine.safetyNumber(with: user)
                let code = try QRCode(encoding: number.scannableText)
                if let png {
                    do {
                        try Data(try code.png()).write(to: URL(fileURLWithPath: png))
                    } catch let error as QRCodeError {
                        throw error
                    } catch {
                        throw CLIError.cannotWriteFile(path: png, reason: "\(error.localizedDescription)")
                    }
                }
                if json {
                    try Output.json(
                        Shown(
                            userID: user.wire, safetyNumber: number.digits, formatted: number.formatted,
                            scannable: number.scannableText, png: png))
                    return
                }
                let groups = number.formatted.split(separator: " ")
                let lines = stride(from: 0, to: groups.count, by: 4).map {
                    "    " + groups[$0..<min($0 + 4, groups.count)].joined(separator: " ")
                }
                print("Safety number with \(user.wire):\n")
                print(lines.joined(separator: "\n") + "\n")
                print(code.terminalText(lightBackground: lightBackground) + "\n")
                if let png { print("QR code written to \(png)\n") }
                print(
                    "Compare it with theirs in person or on a call, or scan their code. If it matches, run:\n"
                        + "    uncord-keys peers verify \(user.wire) --safety-number '\(number.formatted)'")
            }
        }

        private struct Shown: Encodable {
            var userID: String
            var safetyNumber: String
            var formatted: String
            var scannable: String
            var png: String?
            enum CodingKeys: String, CodingKey {
                case formatted, scannable, png
                case userID = "user_id"
                case safetyNumber = "safety_number"
            }
        }
    }
}
