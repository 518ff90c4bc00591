#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A non-blocking `flock` on a side file, held for the lifetime of a connection: shared by every connection that
/// uses the store together (SQLite's own locks order their transactions), or exclusive for a connection that must be
/// alone (the development server's database; a backup import replacing the file).
///
/// `flock` locks belong to an open file description, so an exclusive holder excludes every other connection,
/// whether in another process or in this one. The lock file is never deleted: deleting it would let two openers
/// lock two different files. The operating system drops the lock if the process dies.
package final class FileLock {
    /// How the lock is shared.
    package enum Mode: Sendable, Equatable {
        /// With every other shared holder; refused while an exclusive holder has it.
        case shared
        /// With no one.
        case exclusive
    }

    /// The lock file's path.
    package let path: String
    private let descriptor: Int32
    private let databasePath: String

    /// Creates (mode 0600) and locks `path`; throws ``SQLiteError/databaseInUse(path:)`` naming `databasePath` when a
    /// holder excludes this one.
    package init(path: String, databasePath: String, mode: Mode = .exclusive) throws(SQLiteError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .io("cannot open the lock file \(path): \(Self.lastErrorDescription())")
        }
        do {
            try Self.lock(descriptor, mode, path: path, databasePath: databasePath)
        } catch {
            close(descriptor)
            throw error
        }
        self.path = path
        self.descriptor = descriptor
        self.databasePath = databasePath
    }

    /// Changes the lock to `mode` without letting go of it: an exclusive one is refused with
    /// ``SQLiteError/databaseInUse(path:)`` while another connection holds the lock (and this one keeps its shared lock).
    package func change(to mode: Mode) throws(SQLiteError) {
        do {
            try Self.lock(descriptor, mode, path: path, databasePath: databasePath)
        } catch {
            // Linux converts a lock by dropping it first: take the shared lock back.
            if mode == .exclusive { try? Self.lock(descriptor, .shared, path: path, databasePath: databasePath) }
            throw error
        }
    }

    private static func lock(_ descriptor: Int32, _ mode: Mode, path: String, databasePath: String) throws(SQLiteError)
    {
        guard flock(descriptor, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 else {
            let failure = errno
            if failure == EWOULDBLOCK || failure == EAGAIN { throw .databaseInUse(path: databasePath) }
            throw .io("cannot lock \(path): \(errorDescription(failure))")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Creates the file at `path` with mode 0600 if it does not exist, so that SQLite (which gives its `-wal`
    /// and `-shm` files the database's mode) never makes a world-readable store.
    package static func createPrivateFile(at path: String) throws(SQLiteError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .io("cannot open \(path): \(lastErrorDescription())")
        }
        close(descriptor)
    }

    private static func lastErrorDescription() -> String { errorDescription(errno) }

    private static func errorDescription(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}

@available(*, unavailable, message: "a lock belongs to one connection")
extension FileLock: Sendable {}
