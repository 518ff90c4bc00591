import ArgumentParser
import Foundation

/// `uncord-keys`: key management for the Uncord end-to-end-encrypted DM engine.
///
/// ```
/// export UNCORD_E2EE_PASSPHRASE='correct horse battery staple'
/// uncord-keys init --user 0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11 --label laptop
/// uncord-keys status --json
/// ```
@main
struct UncordKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uncord-keys",
        abstract: "Key management for Uncord's end-to-end-encrypted direct messages (UEDM/1).",
        discussion: """
            Commands that use the device store take --store PATH (default \(StoreOptions.defaultPathDescription)) \
            and read its passphrase from --passphrase-file PATH, the environment variable \
            \(StoreOptions.passphraseVariable), or the terminal (without echo) — never from an argument. Commands \
            that talk to a server take --server URL and --token TOKEN, or the environment variables \
            \(NetworkOptions.serverVariable) and \(NetworkOptions.tokenVariable); the token is never printed. \
            Commands that print data take --json. Exit codes: 0 success, 1 operational error, 2 usage error, \
            3 refused by the trust policy.

            Example:
              export UNCORD_E2EE_PASSPHRASE='…'
              uncord-keys init --user 0b5c1f3e-6a1d-4f7e-9a43-2d1c7c0e9b11 --label laptop
              uncord-keys status --json
            """,
        subcommands: [
            Init.self, Link.self, Login.self, Logout.self, Status.self, Register.self, Sync.self, PreKeys.self,
            Bundle.self, DM.self,
            Send.self, Listen.self, Chat.self, Receive.self, Peers.self, SafetyNumberCommand.self, Sessions.self,
            Identity.self,
            Backup.self,
            Vectors.self,
        ]
    )

    @OptionGroup var storeOptions: StoreOptions

    /// Parses and runs the command; a usage error is one line with the command's help to look at, and exit code 2
    /// (ArgumentParser's own would be 64 with the whole usage).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let message = self.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            FileHandle.standardError.write(
                Data("error: \(message) (see `\(helpCommand(for: CommandLine.arguments))`)\n".utf8))
            Foundation.exit(FailureReport.usageError.rawValue)
        }
    }

    /// `uncord-keys SUBCOMMAND… --help` for the deepest subcommand the arguments name.
    static func helpCommand(for arguments: [String]) -> String {
        var path = ["uncord-keys"]
        var commands = configuration.subcommands
        for argument in arguments.dropFirst() {
            guard let next = commands.first(where: { $0._commandName == argument }) else { continue }
            path.append(argument)
            commands = next.configuration.subcommands
        }
        return (path + ["--help"]).joined(separator: " ")
    }
}
