import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordStore

/// The sign-in `uncord-keys login` keeps (issue 14): sealed, bound to the store's own user, replaced whole, and never
/// carried into a restored backup (its refresh token is most likely spent by then).
@Suite("SQLite store: sign-in")
struct SQLiteStoreCredentialsTests {
    static func credentials(user: UUID, refresh: String = "refresh-1") -> ServerCredentials {
        ServerCredentials(
            serverURL: "https://chat.example.org", email: "alice@example.org", user: user,
            tokens: AuthTokens(accessToken: "access-\(refresh)", refreshToken: refresh),
            accessTokenExpiresAt: Date(timeIntervalSince1970: 1_900_000_000))
    }

    @Test("Saved sealed, read back, replaced and deleted")
    func roundTrip() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let user = UUID()
        let key = randomStoreKey()
        let store = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: user, device: UUID()), key: .rawKey(key))
        #expect(try store.serverCredentials() == nil)
        try store.saveServerCredentials(Self.credentials(user: user))
        try store.saveServerCredentials(Self.credentials(user: user, refresh: "refresh-2"))
        #expect(try store.serverCredentials() == Self.credentials(user: user, refresh: "refresh-2"))
        #expect(!"\(try #require(try store.serverCredentials()))".contains("refresh-2"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data("refresh-2".utf8)) == nil)
        #expect(try store.deleteServerCredentials())
        #expect(try store.serverCredentials() == nil)
        #expect(try !store.deleteServerCredentials())
    }

    @Test("Another user's sign-in is refused and changes nothing")
    func anotherUser() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let user = UUID()
        let store = try SQLiteStore.create(
            at: directory.path("store.sqlite"), device: DeviceAddress(user: user, device: UUID()),
            key: .rawKey(randomStoreKey()))
        try store.saveServerCredentials(Self.credentials(user: user))
        #expect(throws: StoreError.self) { try store.saveServerCredentials(Self.credentials(user: UUID())) }
        #expect(try store.serverCredentials() == Self.credentials(user: user))
    }

    @Test("A restored backup holds no sign-in")
    func backupDropsIt() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let user = UUID()
        let store = try SQLiteStore.create(
            at: directory.path("store.sqlite"), device: DeviceAddress(user: user, device: UUID()),
            key: .rawKey(randomStoreKey()))
        try store.saveServerCredentials(Self.credentials(user: user))
        let passphrase = SecureBytes(copying: Array("a backup passphrase".utf8))
        let file = directory.path("backup")
        try store.exportBackup(to: file, passphrase: passphrase, parameters: .minimum)
        let key = randomStoreKey()
        _ = try SQLiteStore.importBackup(
            from: file, passphrase: passphrase, to: directory.path("restored.sqlite"), key: .rawKey(key))
        let restored = try SQLiteStore.open(at: directory.path("restored.sqlite"), key: .rawKey(key))
        #expect(try restored.serverCredentials() == nil)
        #expect(try store.serverCredentials() == Self.credentials(user: user))
    }
}
