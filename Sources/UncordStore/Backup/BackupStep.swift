/// A step of a backup export or import, reported as it starts so a tool can show progress.
public enum BackupStep: Sendable, Equatable {
    /// The store was read: its database image has this many bytes.
    case readStore(bytes: Int)
    /// The backup key is being derived from the backup passphrase (Argon2id with these limits on export; the
    /// file's own limits on import).
    case derivingBackupKey
    /// The backup file is being written.
    case writing(bytes: Int)
    /// The backup opened; the restored store's key is being derived from its new passphrase.
    case derivingStoreKey
    /// This many sealed values were resealed under the restored store's key.
    case resealed(values: Int)
}
