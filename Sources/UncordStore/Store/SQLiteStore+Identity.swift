import Foundation
import UncordCrypto
import UncordRatchet
import UncordSQLite

extension SQLiteStore {
    /// Replaces this device's identity key, in one transaction: a new identity key pair; every signed pre-key (signed
    /// by the old key, so peers refuse it next to the new one) and every accepted base key deleted, and a new signed
    /// pre-key made; `oneTimePreKeys` new one-time pre-keys (`pending`) made **besides** the unconsumed old ones,
    /// which are kept: the server keeps handing them out after the identity-key PUT, and a session started with one
    /// is bound to the new identity and signed pre-key by X3DH's other three exchanges (Docs/STORAGE.md); every
    /// session record archived, so each next send starts a new session that carries the new key. A registered device's new key waits for the server
    /// (``isIdentityPublished()`` is `false` until ``markIdentityPublished()``).
    /// - Throws: ``StoreError`` when anything fails; then nothing changed.
    @discardableResult
    public func rotateIdentity(oneTimePreKeys count: Int = 100) throws -> IdentityRotation {
        // The cached identity is cleared inside the write, under the lock every reader takes: no reader can cache
        // the old key between the commit and the clearing, and a rolled-back rotation leaves nothing cached.
        // Alone: another process with the store open would hold the old key in memory mid-step; it must be stopped
        // first (a clear storeInUse now, rather than a surprise there).
        try connection.alone {
            try connection.write { db in
                localCache.forget()
                do {
                    return try rotateIdentity(db, oneTimePreKeys: count)
                } catch {
                    localCache.forget()
                    throw error
                }
            }
        }
    }

    func rotateIdentity(_ db: SQLiteConnection, oneTimePreKeys count: Int) throws -> IdentityRotation {
        guard
            let row = try db.queryOne(
                "SELECT device_id, identity_public, registered FROM local_device WHERE id = 1")
        else { throw StoreError.notInitialized }
        let device = try view(db).uuid(row.text("device_id"), "local_device.device_id")
        let previous = try view(db).publicKey(row.blob("identity_public"), "local_device.identity_public")
        let identity = X25519.PrivateKey.generate(using: random)
        let sealed = try sealer.seal(
            identity.secret, for: .identityPrivate(device: device))
        try db.run(
            """
            UPDATE local_device SET identity_public = ?, identity_private = ?, identity_published = ?
            WHERE id = 1
            """,
            [
                .blob(identity.publicKey.bytes), .blob(sealed),
                .integer(try row.integer("registered") == 1 ? 0 : 1),
            ])
        try db.run("DELETE FROM signed_pre_keys")
        try db.run("DELETE FROM accepted_base_keys")
        let signed = try addSignedPreKey(db)
        let made = try addOneTimePreKeys(db, count: count)
        let archived = try archiveAllSessions(db)
        return IdentityRotation(
            previousIdentityKey: previous, identityKey: identity.publicKey, signedPreKey: signed,
            oneTimePreKeys: made.count, archivedSessions: archived)
    }

    /// Throws ``StoreError/storeInUse(path:)`` when another connection (another process) has the store open: what
    /// needs the store to itself (``rotateIdentity(oneTimePreKeys:)``) checks this before asking anyone anything.
    public func checkNotOpenElsewhere() throws {
        try connection.alone {}
    }

    /// `false` between an identity rotation of a registered device and the server's acceptance of the new key.
    public func isIdentityPublished() throws -> Bool {
        try connection.read { db in
            try db.queryOne("SELECT identity_published FROM local_device WHERE id = 1")?.integer(0) != 0
        }
    }

    /// Records that the server accepted the current identity key (after its 204, or a registration with it).
    public func markIdentityPublished() throws {
        try connection.write { db in try db.run("UPDATE local_device SET identity_published = 1 WHERE id = 1") }
    }
}
