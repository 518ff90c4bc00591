import Foundation
import UncordE2EE
import UncordStore

/// What a command that needs no server works with: the open device store and an engine without a server.
struct LocalSession {
    /// The device store.
    let store: SQLiteStore
    /// The engine over it, offline: trust, safety numbers, sessions and listings.
    let engine: E2EEEngine

    /// Opens the store the options name.
    /// - Throws: ``CLIError/noStore(path:)`` when there is none; passphrase and store failures.
    init(_ options: StoreOptions) throws {
        store = try NetworkSession.openStore(options)
        engine = try E2EEEngine(offline: store, logger: NetworkSession.makeLogger())
    }
}
