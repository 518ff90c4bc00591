import Foundation
import UncordClient
import UncordProtocol
import UncordStore

/// The sign-in `uncord-keys login` kept, shared by every process that opens the store (a `listen` and the commands
/// run beside it): a refresh runs under the store's `token-refresh` lease, so one process refreshes at a time and
/// the others take the pair it saved.
struct StoredSignIn: SharedTokenStore {
    /// The store's lease for refreshing.
    static let lease = "token-refresh"

    let store: SQLiteStore
    /// The sign-in as this process read it: the account and server a saved pair belongs to.
    let signedIn: ServerCredentials
    private let holder = UUID().uuidString.lowercased()

    init(store: SQLiteStore, signedIn: ServerCredentials) {
        self.store = store
        self.signedIn = signedIn
    }

    func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(90)
        while try !store.takeLease(Self.lease, holder: holder, for: 60) {
            guard ContinuousClock.now < deadline else {
                throw CLIError.storeUnreadable("another process kept refreshing the sign-in for 90 s")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        defer { try? store.releaseLease(Self.lease, holder: holder) }
        return try await body()
    }

    func load() async throws -> AuthTokens? {
        guard let stored = try store.serverCredentials(), stored.user == signedIn.user,
            stored.serverURL == signedIn.serverURL
        else { return nil }
        return stored.tokens
    }

    func save(_ tokens: AuthTokens, expiry: Date?) async throws {
        var updated = try store.serverCredentials() ?? signedIn
        updated.tokens = tokens
        updated.accessTokenExpiresAt = expiry
        try store.saveServerCredentials(updated)
    }
}
