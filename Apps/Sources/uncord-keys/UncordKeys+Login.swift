import ArgumentParser
import Foundation
import UncordClient
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys login`: signs this device's account in and keeps the tokens sealed in the store.
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign in to the server; every network command then works without --token (and --server).",
            discussion: """
                Signs in with the account's email address and password (from --password-file, \
                \(passwordVariable), or typed with echo off) and, when the account uses a second factor, its code \
                (from --mfa-code-file or typed). The access and refresh tokens are kept sealed in the store; \
                network commands refresh the access token when it expires, saving each new refresh token before \
                using it. The account signed in must be the store's own user. --token and \
                \(NetworkOptions.tokenVariable) still take precedence. With --json, one object with server, email, \
                user_id and mfa.

                Example:
                  uncord-keys login --server https://chat.example.org --email alice@example.org
                """
        )

        /// The environment variable that may hold the account's password.
        static let passwordVariable = "UNCORD_PASSWORD"

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var networkOptions: NetworkOptions

        @Option(help: ArgumentHelp("The account's email address.", valueName: "address"))
        var email: String

        @Option(
            help: ArgumentHelp("A file holding the account's password (else \(passwordVariable), else the prompt)."))
        var passwordFile: String?

        @Option(help: ArgumentHelp("A file holding the second-factor code, when the server asks for one."))
        var mfaCodeFile: String?

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingNetworkFailures(storePath: storeOptions.path) {
                let store = try NetworkSession.openStore(storeOptions)
                let user = try store.localIdentity().address.user
                let previous = try store.serverCredentials()
                guard
                    let server = try networkOptions.explicitServerURL()
                        ?? previous.flatMap({ URL(string: $0.serverURL) })
                else { throw CLIError.noServer }
                let password = try PassphraseReader.passphrase(
                    from: .init(file: passwordFile, variable: Self.passwordVariable, prompt: "Password for \(email): "),
                    option: "--password-file")
                let auth = AuthAPI(baseURL: server, logger: NetworkSession.makeLogger())
                var answer = try await auth.login(
                    email: email, password: String(decoding: password.withUnsafeBytes { Array($0) }, as: UTF8.self))
                var usedMFA = false
                if case .mfaRequired(let ticket) = answer {
                    answer = try await auth.verifyMFA(ticket: ticket, code: try mfaCode())
                    usedMFA = true
                }
                guard case .signedIn(let signedIn, let tokens) = answer else { throw CLIError.noMFACode }
                guard signedIn == user else { throw CLIError.otherAccount(signedIn: signedIn, store: user) }
                try store.saveServerCredentials(
                    ServerCredentials(
                        serverURL: server.absoluteString, email: email, user: user, tokens: tokens,
                        accessTokenExpiresAt: JSONWebToken.expiry(of: tokens.accessToken)))
                if json {
                    try Output.json(
                        SignedIn(server: server.absoluteString, email: email, userID: user.wire, mfa: usedMFA))
                    return
                }
                print("Signed in to \(server.absoluteString) as \(email) (user \(user.wire)).")
                print("The tokens are kept sealed in the store; network commands need no --token now.")
            }
        }

        /// The second-factor code: from its file, else typed at the terminal.
        private func mfaCode() throws -> String {
            if let mfaCodeFile {
                let code = try PassphraseReader.readFile(mfaCodeFile)
                return String(decoding: code.withUnsafeBytes { Array($0) }, as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard Terminal.isInteractive, let code = Terminal.ask("Code from your authenticator: "),
                !code.trimmingCharacters(in: .whitespaces).isEmpty
            else { throw CLIError.noMFACode }
            return code.trimmingCharacters(in: .whitespaces)
        }

        /// The JSON form.
        private struct SignedIn: Encodable {
            var server: String
            var email: String
            var userID: String
            var mfa: Bool

            enum CodingKeys: String, CodingKey {
                case server, email, mfa
                case userID = "user_id"
            }
        }
    }

    /// `uncord-keys logout`: forgets the tokens `login` kept.
    struct Logout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget the tokens `uncord-keys login` kept in the store.",
            discussion: """
                Removes the account's tokens from the store; network commands then need `uncord-keys login` again \
                (or --token). The device, its keys and its messages stay.
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            try reportingFailures(storePath: storeOptions.path) {
                let store = try NetworkSession.openStore(storeOptions)
                if try store.deleteServerCredentials() {
                    print("Signed out: the store no longer holds tokens.")
                } else {
                    print("This store was not signed in; nothing changed.")
                }
            }
        }
    }
}
