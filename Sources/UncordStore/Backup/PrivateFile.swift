import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file-system steps of a backup: files readable by their owner only, written beside their destination and
/// moved into place whole, never leaving a half-written file under the destination's name.
enum PrivateFile {
    /// Reads a whole file.
    /// - Throws: ``StoreError/io(_:)`` naming the path when it cannot be read.
    static func read(_ path: String) throws(StoreError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .io("cannot read \(path): \(reason(error))")
        }
    }

    /// Whether `path` holds a non-empty file (an empty one is what a failed `init` leaves, not a store).
    static func holdsData(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_size > 0
    }

    /// A new, empty file with mode 0600 beside `destination`, named so that it cannot collide.
    static func makeTemporary(beside destination: String, random: [UInt8]) throws(StoreError) -> String {
        let path = destination + ".partial-" + random.map { String($0, radix: 16) }.joined()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create \(path): \(lastError())") }
        close(descriptor)
        return path
    }

    /// Writes `bytes` into the (empty, private) file at `path` and syncs it to disk.
    static func writeAll(_ bytes: [UInt8], to path: String) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(lastError())") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(lastError())")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw .io("cannot sync \(path): \(lastError())") }
    }

    /// Syncs the file at `path` to disk.
    static func sync(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(lastError())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io("cannot sync \(path): \(lastError())") }
    }

    /// Moves `source` to `destination`. Without `replacing`, fails with ``StoreError/fileExists(path:)`` when
    /// `destination` holds data (checked atomically: the move is a hard link, then an unlink).
    static func move(_ source: String, to destination: String, replacing: Bool) throws(StoreError) {
        if replacing {
            guard rename(source, destination) == 0 else {
                throw .io("cannot move \(source) to \(destination): \(lastError())")
            }
            return
        }
        if !holdsData(destination) { unlink(destination) }
        guard link(source, destination) == 0 else {
            if errno == EEXIST { throw .fileExists(path: destination) }
            throw .io("cannot move \(source) to \(destination): \(lastError())")
        }
        unlink(source)
    }

    /// Removes a file if it is there.
    static func remove(_ path: String) {
        unlink(path)
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let text = strerror(Int32(underlying.code))
        {
            return String(cString: text)
        }
        return nsError.localizedDescription
    }

    private static func lastError() -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }
}
