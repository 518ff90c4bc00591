import ArgumentParser
import Foundation
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

/// How `uncord-keys` ends when something fails: one line on standard error, `error: …`, that says what to do next,
/// and an exit code — 1 for an operational error, 2 for a usage error, 3 for a refusal by the trust policy. Never a
/// stack trace, never a token, a passphrase or key material.
enum FailureReport {
    /// A failure that is neither a usage error nor a trust refusal.
    static let operationalError = ExitCode(1)
    /// Bad arguments: ArgumentParser's validation errors, mapped from its `EX_USAGE` (64).
    static let usageError = ExitCode(2)
    /// The trust policy refused: a changed identity not accepted, or a safety number that does not match.
    static let trustRefusal = ExitCode(3)

    /// Prints the line for `error` and answers the exit code; usage errors and exit codes pass through unchanged
    /// (the entry point prints those).
    static func report(_ error: any Error, storePath: String?) -> any Error {
        if error is ExitCode || error is ValidationError { return error }
        FileHandle.standardError.write(Data("error: \(line(for: error, storePath: storePath))\n".utf8))
        return exitCode(for: error)
    }

    /// The exit code for a failure.
    static func exitCode(for error: any Error) -> ExitCode {
        switch error as? CLIError {
        case .safetyNumberMismatch, .linkCodeMismatch, .confirmationCodeMismatch, .codesNotConfirmed:
            return trustRefusal
        default: break
        }
        switch error as? E2EEError {
        case .identityChanged, .safetyNumberMismatch: return trustRefusal
        default: return operationalError
        }
    }

    /// The one line that describes `error`.
    static func line(for error: any Error, storePath: String?) -> String {
        switch error {
        case let error as CLIError:
            return error.description
        case let error as StoreError:
            return CLIError.store(error, path: storePath ?? "the store").description
        case let error as ClientError:
            return describe(error)
        case let error as E2EEError:
            return describe(error)
        case let error as LinkError:
            return describe(error, storePath: storePath ?? "the store")
        default:
            return "\(error)"
        }
    }

    /// The one line for a client failure.
    private static func describe(_ error: ClientError) -> String {
        switch error {
        case .unauthorized(.invalidCredentials, _):
            return "the server refused the email address or the password (or the second-factor code); nothing was saved"
        case .unauthorized(let code, _):
            return "the server refused the access token (\(code)): sign in with `uncord-keys login`, or check "
                + "\(NetworkOptions.tokenVariable) or --token"
        case .signInRequired(let code):
            return "the server refused the stored sign-in (\(code): the refresh token was spent, expired or revoked); "
                + "sign in again with `uncord-keys login`"
        case .credentialsNotSaved(let reason):
            return "new tokens could not be saved in the store (\(reason)), so they were not used; sign in again with "
                + "`uncord-keys login`"
        case .transport(let reason):
            return "cannot reach the server (check --server or \(NetworkOptions.serverVariable)): \(reason)"
        case .timedOut:
            return "the server did not answer in time; check it is running, then try again"
        case .gatewayClosed(let reason):
            return "the gateway closed the session: \(reason); check the access token, then try again"
        case .gatewayUnreachable(let attempts):
            return "cannot connect to the gateway (gave up after \(attempts) attempts; check --server or "
                + "\(NetworkOptions.serverVariable))"
        default:
            return "\(error); check the server, then try again"
        }
    }

    /// The one line for a refusal of linking (LINKED_DEVICES.md A4); nothing was stored.
    private static func describe(_ error: LinkError, storePath path: String) -> String {
        let again = "`uncord-keys link request --store \(path)`"
        switch error {
        case .expired:
            return "the link request of \(path) expired or was replaced (a response must come within 10 minutes of "
                + "the request it answers), so nothing was stored: make a new one with \(again) and approve that"
        case .authenticationFailed:
            return "the link response did not authenticate: it was altered, or made for another request (an earlier "
                + "one, or another device's), so nothing was stored and \(path) still waits; approve its current "
                + "request (or a new one from \(again)), and carry the response over yourself"
        case .invalidPayload, .identityKeyMismatch:
            return "the link response was refused (\(error)), so nothing was stored; approve the request on a "
                + "device of the account this store was requested for (--user), or start over with \(again)"
        default:
            return "the link failed (\(error)), so nothing was stored; start over with \(again)"
        }
    }

    /// The one line for an engine failure.
    private static func describe(_ error: E2EEError) -> String {
        switch error {
        case .identityChanged(let user, let devices):
            let who = devices.map { "\(user.wire)/\($0.wire)" }.joined(separator: ", ")
            return "refused by the trust policy: the identity key of \(who) changed and is not accepted; review it "
                + "with `uncord-keys peers show \(user.wire)`, accept it with `uncord-keys peers accept "
                + "\(user.wire)`, then compare safety numbers again"
        case .safetyNumberMismatch:
            return "refused by the trust policy: the safety number does not match the one computed from the keys "
                + "this device holds, so nothing was marked verified; compare again with `uncord-keys safety-number "
                + "USER`, and if it still differs, do not trust this conversation"
        case .unknownPeer(let id):
            return "\(id.wire) is not known to this device: its keys are learnt by sending to it or receiving from "
                + "it (see `uncord-keys peers list`)"
        case .noIdentityChange(let user):
            return "the account key of \(user.wire) did not change, so there is nothing to accept "
                + "(see `uncord-keys peers show \(user.wire)`)"
        case .ambiguousIdentity(let user):
            return "refused by the trust policy: the devices of \(user.wire) carry several account keys, so nothing "
                + "is sent to them until they agree on one (see `uncord-keys peers show \(user.wire)`)"
        case .noSession(let user, let device):
            return "there is no session with \(user.wire)/\(device.wire) to reset (see `uncord-keys sessions list`)"
        case .messageTooLong(let characters):
            return "the message would be \(characters) characters once encrypted; the limit is 4000, so shorten it"
        case .unknownMembers(let channel):
            return "no other member of channel \(channel.wire) is known to this device: give each other member with "
                + "--to USER, or open the channel with `uncord-keys dm open USER` first"
        case .noBundle(let user):
            return "the server has no usable pre-key bundle for a device of \(user.wire): ask them to run "
                + "`uncord-keys sync`, then try again"
        case .serverCannotRegisterDevices:
            return error.description
        case .server(let detail):
            return "the server refused or failed (\(detail)); check the server, then try again"
        case .store(let detail):
            return "the store failed (\(detail)); check the store path and its disk, then try again"
        case .crypto(let detail):
            return "a protocol step failed (\(detail)); nothing was changed"
        }
    }
}

extension UUID {
    /// The UUID as the wire and the store write it: lowercase.
    var wire: String { uuidString.lowercased() }
}
