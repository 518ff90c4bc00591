#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive, non-blocking `flock` on a side file, held for the lifetime of a connection.
///
/// `flock` locks belong to an open file description, so a second opener fails whether it is another process
/// or another connection in this one. The lock file is never deleted: deleting it would let two openers lock
/// two different files. The operating system drops the lock if the process dies.
final class StoreFileLock {
    /// The lock file's path.
    let path: String
    private let descriptor: Int32

    /// Creates (mode 0600) and locks `path`; throws ``StoreError/storeInUse(path:)`` naming `storePath` when
    /// another holder has it.
    init(path: String, storePath: String) throws(StoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .io("cannot open the lock file \(path): \(Self.lastErrorDescription())")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK || failure == EAGAIN {
                throw .storeInUse(path: storePath)
            }
            throw .io("cannot lock \(path): \(Self.errorDescription(failure))")
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Creates the file at `path` with mode 0600 if it does not exist, so that SQLite (which gives its `-wal`
    /// and `-shm` files the database's mode) never makes a world-readable store.
    static func createPrivateFile(at path: String) throws(StoreError) {
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
extension StoreFileLock: Sendable {}
