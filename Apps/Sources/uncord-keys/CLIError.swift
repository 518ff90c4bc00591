import Foundation
import UncordStore

/// The errors of `uncord-keys` itself; each one's description is the line printed after `error: `, and says what
/// to do next.
enum CLIError: Error, CustomStringConvertible {
    /// No passphrase came from the option's file, the variable or a terminal.
    case noPassphrase(option: String, variable: String)
    /// The passphrase file could not be read.
    case unreadablePassphraseFile(path: String, reason: String)
    /// The passphrase is empty.
    case emptyPassphrase
    /// The two passphrases typed to confirm a new one differ.
    case passphrasesDiffer
    /// The terminal could not be used to ask for a passphrase.
    case terminalUnavailable(reason: String)
    /// `init` found a store at the path.
    case storeExists(path: String)
    /// No store at the path.
    case noStore(path: String)
    /// The store's directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// A file the command writes could not be written.
    case cannotWriteFile(path: String, reason: String)
    /// A store failure, with the path it concerns.
    case store(StoreError, path: String)
    /// Neither `--server` nor `UNCORD_SERVER` was given.
    case noServer
    /// The server URL is not an `http` or `https` URL.
    case invalidServer(String)
    /// Neither `--token` nor `UNCORD_TOKEN` was given, and the store is not signed in.
    case noToken
    /// The store is signed in to another server than the one given.
    case signedInElsewhere(signedIn: String, asked: String)
    /// The store's sign-in could not be read.
    case storeUnreadable(String)
    /// The sign-in needs a second factor and none was given.
    case noMFACode
    /// The account signed in is not the store's user.
    case otherAccount(signedIn: UUID, store: UUID)
    /// `receive` did not find the message in its channel's history.
    case messageNotFound(UUID)
    /// A network command needs the device registered first.
    case notRegistered
    /// A question that guards a change was not answered yes; nothing changed.
    case notConfirmed(String)
    /// `peers verify` was given another safety number than the one computed here; nothing changed.
    case safetyNumberMismatch(user: UUID)
    /// A change was made on this device but its upload failed; `sync` finishes it.
    case uploadFailed(what: String, detail: String)
    /// `link request` found a store that holds a device: only a new store is linked.
    case storeHoldsDevice(path: String)
    /// `link complete` found no store at the path: `link request` makes it.
    case noWaitingStore(path: String)
    /// `link complete` found a store that holds a device already: a response is used once.
    case alreadyLinked(path: String)
    /// `link approve --code` was given another link code than the request's; nothing was made.
    case linkCodeMismatch
    /// `link complete --confirmation-code` was given another code than the response's; nothing was stored.
    case confirmationCodeMismatch(path: String)
    /// The person did not confirm, at the terminal, that the two devices show the same `code` (such as "link
    /// code"); `outcome` says what was not done, `option` how to give the other device's code instead.
    case codesNotConfirmed(code: String, outcome: String, option: String)

    var description: String {
        switch self {
        case .noPassphrase(let option, let variable):
            return "no passphrase given: put it in a file and pass \(option) PATH, set \(variable), or run the "
                + "command in a terminal to type it"
        case .unreadablePassphraseFile(let path, let reason):
            return "cannot read the passphrase file \(path): \(reason); check the path and its permissions"
        case .emptyPassphrase:
            return "the passphrase is empty: give a non-empty one (in its file, its variable or at the prompt)"
        case .passphrasesDiffer:
            return "the two passphrases typed differ; nothing was written: run the command again"
        case .terminalUnavailable(let reason):
            return "cannot ask for the passphrase at the terminal (\(reason)): give it in a file or a variable"
        case .storeExists(let path):
            return "a store already exists at \(path); it was left untouched (give another --store PATH, or move "
                + "it away first — removing it destroys this device's keys and messages)"
        case .noStore(let path):
            return "no store at \(path): create one with `uncord-keys init --user UUID`, restore one with "
                + "`uncord-keys backup import FILE`, or give --store PATH"
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create the store directory \(path): \(reason); create it or give another --store PATH"
        case .cannotWriteFile(let path, let reason):
            return "cannot write \(path): \(reason); give a path in a writable directory"
        case .store(let error, let path):
            return Self.describe(error, path: path)
        case .noServer:
            return "no server given: pass --server URL (such as http://127.0.0.1:8080), set "
                + "\(NetworkOptions.serverVariable), or sign in with `uncord-keys login --server URL --email ADDRESS`"
        case .invalidServer(let text):
            return "--server must be an http:// or https:// URL with a host, like http://127.0.0.1:8080 (got '\(text)')"
        case .noToken:
            return "not signed in: run `uncord-keys login --email ADDRESS` (or set \(NetworkOptions.tokenVariable), or "
                + "pass --token TOKEN)"
        case .signedInElsewhere(let signedIn, let asked):
            return "this store is signed in to \(signedIn), not \(asked): leave out --server, sign in to \(asked) with "
                + "`uncord-keys login`, or give a token with \(NetworkOptions.tokenVariable)"
        case .storeUnreadable(let reason):
            return "the store's sign-in cannot be read (\(reason)); sign in again with `uncord-keys login`"
        case .messageNotFound(let id):
            return "no message \(id.wire) in that channel's history (as this device may read it); check the ids"
        case .otherAccount(let signedIn, let store):
            return "the server signed in user \(signedIn.wire), but this store is user \(store.wire)'s device; nothing "
                + "was saved: sign in with that account's email address"
        case .noMFACode:
            return "the server asks for a second factor: give the code with --mfa-code-file FILE, or at the prompt"
        case .notRegistered:
            return "this device is not registered with the server yet: run `uncord-keys register` first"
        case .notConfirmed(let what):
            return "\(what) was not confirmed, so nothing changed: answer y, or pass --yes"
        case .safetyNumberMismatch(let user):
            return "refused by the trust policy: that is not the safety number this device computes with "
                + "\(user.wire), so nothing was marked verified; compare again with `uncord-keys safety-number "
                + "\(user.wire)`, and if it still differs, do not trust this conversation"
        case .uploadFailed(let what, let detail):
            return "\(what) is kept on this device, but the server did not take it (\(detail)); run "
                + "`uncord-keys sync` to upload it"
        case .storeHoldsDevice(let path):
            return "the store at \(path) holds a device already, and only a new store is linked: on the new device, "
                + "give a --store PATH where no store is yet"
        case .noWaitingStore(let path):
            return "no store at \(path) waits for a link: run `uncord-keys link request --store \(path)` on the new "
                + "device first, and approve its request"
        case .alreadyLinked(let path):
            return "the store at \(path) holds a device already (a link response is used once), so nothing changed; "
                + "if it is not registered yet, run `uncord-keys register --store \(path)`"
        case .linkCodeMismatch:
            return "refused by the trust policy: the request's link code is not the one given with --code, so "
                + "nothing was made; this is not the request the new device shows (a wrong paste or scan, or a "
                + "swapped request): carry its text over again, yourself"
        case .confirmationCodeMismatch(let path):
            return "refused by the trust policy: the response's confirmation code is not the one given with "
                + "--confirmation-code, so nothing was stored and the store at \(path) still waits; check the code "
                + "you typed, and if it is what the approving device shows, this is not the response it made: do not "
                + "use it, and approve the request again"
        case .codesNotConfirmed(let code, let outcome, let option):
            return "refused: you did not confirm that both devices show the same \(code), so \(outcome); carry the "
                + "text over again yourself and compare the codes, or give the other device's code with \(option)"
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
        case .waitingForLink:
            return "the store at \(path) waits to be linked: on a device already on your account run `uncord-keys "
                + "link approve TEXT`, then here `uncord-keys link complete RESPONSE --store \(path)` (or start over "
                + "with `uncord-keys link request --store \(path)`)"
        case .invalidKey(let detail):
            return "cannot use the store key: \(detail)"
        case .sealedValueUnreadable(let table, let column):
            return "a sealed value in \(table).\(column) cannot be opened: the store at \(path) is damaged or was "
                + "tampered with; restore it from a backup"
        case .io(let detail):
            return "cannot read or write the store at \(path): \(detail)"
        case .backupNotRecognised(let file, let reason):
            return "\(file) is not a usable uncord-e2ee backup (\(reason)); give the file `backup export` wrote"
        case .backupVersionUnsupported(let found, let supported):
            return "the backup has format version \(found), but this uncord-keys reads up to \(supported); "
                + "upgrade uncord-keys"
        case .backupAuthenticationFailed:
            return "the backup cannot be opened: wrong backup passphrase, or the file was truncated or altered "
                + "(check --backup-passphrase-file or \(BackupOptions.passphraseVariable), or use another copy); "
                + "nothing was written"
        case .fileExists(let existing):
            return "\(existing) already exists and was left untouched; give another path, or --force to replace it"
        case .sqlite, .constraint, .columnNotFound, .typeMismatch, .misuse:
            return "the store at \(path) failed: \(error)"
        }
    }
}
