import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

@testable import UncordSQLite
@testable import UncordStore

/// Values a damaged or hostile store file can hold are refused with a typed error, never converted with a trap or
/// read as something else (issue 13, the review's nit).
@Suite("SQLite store: damaged values")
struct DamagedStoreTests {
    @Test("Negative key-derivation settings are refused at open, before any key is derived")
    func negativeArgon2Settings() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let path = directory.path("damaged.sqlite")
        let passphrase = SecureBytes(copying: Array("correct horse".utf8))
        let parameters = Argon2id.Parameters(iterations: 1, memoryBytes: 8 * 1024 * 1024)
        do {
            let store = try SQLiteStore.create(
                at: path, device: DeviceAddress(user: UUID(), device: UUID()),
                key: .passphrase(passphrase, parameters: parameters), oneTimePreKeys: 1)
            try store.connection.write { db in
                try db.run("UPDATE metadata SET value = -1 WHERE key = 'kdf_iterations'")
            }
        }
        #expect(throws: StoreError.self) {
            _ = try SQLiteStore.open(at: path, key: .passphrase(passphrase, parameters: parameters))
        }
    }

    @Test("An unreadable retirement time makes the signed pre-key's look-up fail, not count as never retired")
    func unreadableRetirementTime() throws {
        let directory = try Scratch("uncord-store", passphraseFiles: false)
        let store = try directory.store("a.sqlite")
        let id = try store.currentSignedPreKey().id
        try store.connection.write { db in
            try db.run("UPDATE signed_pre_keys SET retired_at = 'yesterday' WHERE key_id = ?", [.integer(Int64(id))])
        }
        #expect(throws: StoreError.self) { _ = try store.signedPreKey(id: id) }
        #expect(throws: StoreError.self) { _ = try store.signedPreKeyList() }
    }

    @Test("A negative skipped message number makes the session's load fail instead of wrapping around")
    func negativeSkippedMessageNumber() throws {
        let pair = try SQLiteStoreMessageTests.Pair()
        var messages: [Message] = []
        for body in ["one", "two", "three"] { messages.append(try pair.toBob(body)) }
        _ = try pair.bob.receive(messages[0], using: SessionCipher())
        _ = try pair.bob.receive(messages[2], using: SessionCipher())  // skips "two": one skipped key stored
        try pair.bob.connection.write { db in try db.run("UPDATE skipped_message_keys SET message_number = -1") }
        let alice = try pair.alice.localIdentity().address
        #expect(throws: StoreError.self) { _ = try pair.bob.sessionRecord(for: alice) }
    }

    @Test("Every device verdict reads back as it was written; any other stored pair is refused, not guessed")
    func deviceVerdictColumns() {
        let reasons: [DeviceAuthorization.Reason] = [
            .foreignIdentityKey, .invalidSignedPreKeySignature, .duplicateDeviceId,
        ]
        for state in [DeviceAuthorization.State.authorized] + reasons.map(DeviceAuthorization.State.refused) {
            let columns = state.columns
            #expect(DeviceAuthorization.State(state: columns.state, reason: columns.reason) == state)
        }
        for (state, reason) in [
            ("authorized", "foreignIdentityKey"), ("refused", nil), ("refused", "tired"), ("Authorized", nil),
            ("", nil),
        ] as [(String, String?)] {
            #expect(DeviceAuthorization.State(state: state, reason: reason) == nil)
        }
    }
}
