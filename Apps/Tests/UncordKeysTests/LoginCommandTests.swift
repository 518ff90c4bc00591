import Foundation
import Testing
import UncordProtocol
import UncordStore
import UncordTestSupport

/// Issue 14, item 1: `uncord-keys login` keeps the account's tokens sealed in the store, and every network command
/// then works without `--token` or `--server`, refreshing the short-lived access token (the development server is
/// started with a 2-second lifetime) and saving each rotated refresh token before using it.
@Suite(.serialized)
struct LoginCommandTests {
    /// No token and no server from the environment: only what `login` stored.
    static let signedInOnly = ["UNCORD_TOKEN": "", "UNCORD_SERVER": ""]

    /// Writes `text` to a scratch file and answers its path.
    func file(_ harness: KeysHarness, _ name: String, _ text: String) throws -> String {
        let path = harness.scratch.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func signedInCommandsRefreshExpiredTokensAndRotateTheRefreshToken() async throws {
        let harness = try KeysHarness()
        try await harness.startServer(["--access-token-lifetime", "2"])
        let server = try #require(harness.serverURL)
        let alice = try harness.makeStore("alice")
        let password = try file(harness, "password", "correct horse\n")

        let login = try await harness.keys(
            alice,
            ["login", "--server", server, "--email", "\(alice.userID)@dev", "--password-file", password, "--json"],
            environment: Self.signedInOnly)
        let shown = try login.json()
        #expect(shown["user_id"] as? String == alice.userID)
        #expect(shown["mfa"] as? Bool == false)
        #expect(!login.standardOutput.contains("correct horse"))
        let first = try #require(try harness.open(alice).serverCredentials())
        #expect(first.serverURL == server)
        #expect(first.accessTokenExpiresAt != nil)
        // Sealed: neither token appears in the file's bytes.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: harness.storePath(alice.name)))
        #expect(bytes.range(of: Data(first.tokens.refreshToken.utf8)) == nil)
        #expect(bytes.range(of: Data(first.tokens.accessToken.utf8)) == nil)

        try await harness.keys(alice, ["register"], environment: Self.signedInOnly).expectSuccess()
        try await Task.sleep(for: .seconds(3))
        try await harness.keys(alice, ["sync"], environment: Self.signedInOnly).expectSuccess()
        let second = try #require(try harness.open(alice).serverCredentials())
        #expect(second.tokens.refreshToken != first.tokens.refreshToken)
        #expect(second.tokens.accessToken != first.tokens.accessToken)

        // The spent refresh token is never presented again: had it been, the server would have revoked every
        // token of the account and this second refresh would fail.
        try await Task.sleep(for: .seconds(3))
        try await harness.keys(alice, ["prekeys", "replenish", "--target", "30"], environment: Self.signedInOnly)
            .expectSuccess()
        try await harness.keys(alice, ["sync"], environment: Self.signedInOnly).expectSuccess()
        #expect(try harness.open(alice).serverCredentials()?.tokens.refreshToken != second.tokens.refreshToken)

        // --token still wins, and logout forgets the tokens.
        try await harness.keys(alice, ["sync"]).expectSuccess()
        try await harness.keys(alice, ["logout"]).expectSuccess()
        #expect(try harness.open(alice).serverCredentials() == nil)
        try await harness.keys(alice, ["sync"], environment: Self.signedInOnly)
            .expectFailure(1, containing: ["no server given"])
        try await harness.keys(alice, ["sync"], environment: ["UNCORD_TOKEN": ""])
            .expectFailure(1, containing: ["not signed in: run `uncord-keys login"])
    }

    @Test func aSecondFactorIsAskedForAndAWrongOneSavesNothing() async throws {
        let harness = try KeysHarness()
        try await harness.startServer(["--mfa-code", "424242"])
        let bob = try harness.makeStore("bob")
        let password = try file(harness, "password", "hunter2")
        let wrong = try file(harness, "wrong-code", "111111\n")
        let right = try file(harness, "right-code", "424242\n")
        let before = try harness.contents(of: bob)

        try await harness.keys(
            bob, ["login", "--email", "\(bob.userID)@dev", "--password-file", password, "--mfa-code-file", wrong]
        ).expectFailure(1, containing: ["refused the email address or the password"])
        try await harness.keys(bob, ["login", "--email", "\(bob.userID)@dev", "--password-file", password])
            .expectFailure(1, containing: ["the server asks for a second factor"])
        #expect(try harness.contents(of: bob) == before)

        let login = try await harness.keys(
            bob,
            ["login", "--email", "\(bob.userID)@dev", "--password-file", password, "--mfa-code-file", right, "--json"])
        #expect(try login.json()["mfa"] as? Bool == true)
        try await harness.keys(bob, ["register"], environment: ["UNCORD_TOKEN": ""]).expectSuccess()
    }

    @Test func anotherAccountOrAWrongPasswordIsRefusedAndChangesNothing() async throws {
        let harness = try KeysHarness()
        try await harness.startServer()
        let carol = try harness.makeStore("carol")
        let password = try file(harness, "password", "pw")
        let empty = try file(harness, "empty", "")
        let before = try harness.contents(of: carol)

        try await harness.keys(
            carol, ["login", "--email", "\(UUID().uuidString.lowercased())@dev", "--password-file", password]
        )
        .expectFailure(1, containing: ["but this store is user \(carol.userID)'s device"])
        try await harness.keys(carol, ["login", "--email", "carol@example.org", "--password-file", password])
            .expectFailure(1, containing: ["refused the email address or the password"])
        try await harness.keys(carol, ["login", "--email", "\(carol.userID)@dev", "--password-file", empty])
            .expectFailure(1, containing: ["the passphrase is empty"])
        #expect(try harness.contents(of: carol) == before)
    }
}
