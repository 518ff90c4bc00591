public import UncordCrypto

/// The key that seals every secret column of a store (`Docs/STORAGE.md`).
///
/// It comes either from a passphrase, through Argon2id with the salt and limits kept in the store's metadata, or
/// straight from the app as 32 raw bytes (for apps that keep a key in a platform keychain).
public struct StoreKey: Sendable {
    /// The 32-byte XChaCha20-Poly1305 key.
    let key: SecureBytes

    /// Wraps a raw 32-byte key.
    /// - Throws: ``StoreError/invalidKey(_:)`` for any other length.
    public init(rawKey: SecureBytes) throws(StoreError) {
        guard rawKey.count == XChaCha20Poly1305.keyByteCount else {
            throw .invalidKey("a raw store key is 32 bytes, got \(rawKey.count)")
        }
        key = rawKey
    }

    /// Derives the key from a passphrase.
    static func derive(
        passphrase: SecureBytes, salt: [UInt8], parameters: Argon2id.Parameters
    ) throws(StoreError) -> StoreKey {
        do {
            return StoreKey(checked: try Argon2id.deriveKey(from: passphrase, salt: salt, parameters: parameters))
        } catch {
            throw .invalidKey("cannot derive the store key: \(error)")
        }
    }

    private init(checked key: SecureBytes) { self.key = key }
}

/// How the store key is obtained when a store is opened or created.
public enum StoreKeySource: Sendable {
    /// A passphrase, stretched with Argon2id. `parameters` apply when a store is created; an existing store
    /// uses the ones in its metadata.
    case passphrase(SecureBytes, parameters: Argon2id.Parameters = .moderate)
    /// A raw 32-byte key the app keeps itself.
    case rawKey(SecureBytes)
    /// The store key itself, as ``SQLiteStore/exportStoreKey()`` gave it, for any store whatever it is sealed with:
    /// opens a passphrase store without Argon2id's time and memory (a notification extension has about 24 MiB).
    case storeKey(SecureBytes)
}
