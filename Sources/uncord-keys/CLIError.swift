import UncordStore

/// The errors of `uncord-keys` itself; each one's description is the line printed after `error: `, and says what
/// to do next.
enum CLIError: Error, CustomStringConvertible {
    /// Neither `--passphrase-file` nor the passphrase variable was given.
    case noPassphrase
    /// The passphrase file could not be read.
    case unreadablePassphraseFile(path: String, reason: String)
    /// The passphrase is empty.
    case emptyPassphrase
    /// `init` found a store at the path.
    case storeExists(path: String)
    /// No store at the path.
    case noStore(path: String)
    /// The store's directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// A store failure, with the path it concerns.
    case store(StoreError, path: String)
    /// Neither `--server` nor `UNCORD_SERVER` was given.
    case noServer
    /// The server URL is not an `http` or `https` URL.
    case invalidServer(String)
    /// Neither `--token` nor `UNCORD_TOKEN` was given.
    case noToken
    /// A network command needs the device registered first.
    case notRegistered
    /// `send` was given no participant.
    case noParticipants

    var description: String {
        switch self {
        case .noPassphrase:
            return "no passphrase given: put it in a file and pass --passphrase-file PATH, or set "
                + "\(StoreOptions.passphraseVariable)"
        case .unreadablePassphraseFile(let path, let reason):
            return "cannot read the passphrase file \(path): \(reason)"
        case .emptyPassphrase:
            return "the passphrase is empty: give a non-empty one with --passphrase-file PATH or "
                + "\(StoreOptions.passphraseVariable)"
        case .storeExists(let path):
            return "a store already exists at \(path); it was left untouched (give another --store PATH, or move "
                + "it away first — removing it destroys this device's keys and messages)"
        case .noStore(let path):
            return "no store at \(path): create one with `uncord-keys init --user UUID`, or give --store PATH"
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create the store directory \(path): \(reason)"
        case .store(let error, let path):
            return Self.describe(error, path: path)
        case .noServer:
            return "no server given: pass --server URL (such as http://127.0.0.1:8080), or set "
                + "\(NetworkOptions.serverVariable)"
        case .invalidServer(let text):
            return "--server must be an http:// or https:// URL with a host, like http://127.0.0.1:8080 (got '\(text)')"
        case .noToken:
            return "no access token given: set \(NetworkOptions.tokenVariable) (or pass --token TOKEN)"
        case .notRegistered:
            return "this device is not registered with the server yet: run `uncord-keys register` first"
        case .noParticipants:
            return "the server's channel list does not name a channel's members: give each other member with "
                + "--to USER (repeat it for a group)"
        }
    }

    /// The one line for a store failure.
    private static func describe(_ error: StoreError, path: String) -> String {
        switch error {
        case .wrongPassphrase:
            return "wrong passphrase (check --passphrase-file or \(StoreOptions.passphraseVariable))"
        case .storeInUse:
            return "the store is in use by another process (\(path)); stop it and try again"
        case .notADatabase:
            return "\(path) is not an uncord-e2ee store, or it is damaged; give the right --store PATH"
        case .newerSchema(let found, let supported):
            return "the store at \(path) has schema version \(found), but this uncord-keys reads up to \(supported); "
                + "upgrade uncord-keys"
        case .notInitialized:
            return "the store at \(path) holds no device: create one with `uncord-keys init --user UUID`"
        case .alreadyInitialized:
            return storeExists(path: path).description
        case .invalidKey(let detail):
            return "cannot use the store key: \(detail)"
        case .sealedValueUnreadable(let table, let column):
            return "a sealed value in \(table).\(column) cannot be opened: the store at \(path) is damaged or was "
                + "tampered with; restore it from a backup"
        case .io(let detail):
            return "cannot read or write the store at \(path): \(detail)"
        case .backupNotRecognised, .backupVersionUnsupported, .backupAuthenticationFailed, .fileExists:
            return "\(error)"
        case .sqlite, .constraint, .columnNotFound, .typeMismatch, .misuse:
            return "the store at \(path) failed: \(error)"
        }
    }
}
