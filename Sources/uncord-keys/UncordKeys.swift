import ArgumentParser

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
            and read its passphrase from --passphrase-file PATH or the environment variable \
            \(StoreOptions.passphraseVariable), never from an argument. Commands that talk to a server take \
            --server URL and --token TOKEN, or the environment variables \(NetworkOptions.serverVariable) and \
            \(NetworkOptions.tokenVariable); the token is never printed.
            """,
        subcommands: [
            Init.self, Status.self, Register.self, Sync.self, DM.self, Send.self, Listen.self, Vectors.self,
        ]
    )

    @OptionGroup var storeOptions: StoreOptions
}
