import CSodium
public import Foundation

/// Secret bytes: keys, chain keys, plaintexts. A value: copies share one buffer, which is wiped with
/// `sodium_memzero` when the last copy is released, and ``replace(with:)`` never changes what another copy holds.
///
/// `SecureBytes` compares in constant time (for equal lengths), never prints its contents and is deliberately
/// not `Codable`: a secret leaves only through ``withUnsafeBytes(_:)`` or an explicit export such as
/// ``exportBytes()``.
///
/// ```swift
/// let key = SecureBytes(random: 32, using: SystemRandom())
/// print(key)   // SecureBytes(32 bytes, redacted)
/// ```
public struct SecureBytes: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    ContiguousBytes
{
    // nonisolated(unsafe): `ManagedBuffer` opts out of Sendable; the bytes are written only inside an initialiser,
    // before the storage is shared, or by `replace(with:)` while this value holds the only reference to it.
    private nonisolated(unsafe) var storage: Storage

    /// Makes `count` bytes and lets `initializer` fill them. If it throws, the buffer is wiped and released.
    public init<E: Error>(
        count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let storage = Storage.make(count: count)
        try initializer(storage.buffer)
        self.storage = storage
    }

    /// Copies bytes into a new secret buffer. The caller remains responsible for the source's copy.
    public init(copying bytes: some ContiguousBytes) {
        let count = bytes.withUnsafeBytes { $0.count }
        storage = Storage.make(count: count)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, count > 0 {
                storage.buffer.copyMemory(from: .init(start: base, count: count))
            }
        }
    }

    /// `count` bytes from a random source.
    public init(random count: Int, using source: any RandomSource) {
        storage = Storage.make(count: count)
        source.fill(storage.buffer)
    }

    /// Runs `body` with `count` zeroed bytes of temporary memory, for a secret that lives only for the call (one
    /// message's key, say): no ``SecureBytes`` is allocated, and the bytes are wiped with `sodium_memzero` when `body`
    /// returns or throws. The memory is on the stack when it is small. Do not let the pointer escape.
    ///
    /// ```swift
    /// try SecureBytes.withTemporaryBytes(count: 32) { key in
    ///     // derive into `key`, use it; it is wiped on the way out
    /// }
    /// ```
    // @inlinable: specialised in the caller, the memory is in the caller's frame and no generic metadata is looked
    // up at run time (it was, for every message, when this was called across the module boundary).
    @inlinable
    public static func withTemporaryBytes<R, E: Error>(
        count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        // At least one byte, so that the base address is never nil (as `Storage.make` does).
        try withUnsafeTemporaryAllocation(byteCount: Swift.max(count, 1), alignment: 16) {
            (whole) throws(E) -> R in
            whole.initializeMemory(as: UInt8.self, repeating: 0)
            defer { wipe(whole) }
            return try body(UnsafeMutableRawBufferPointer(rebasing: whole[0..<count]))
        }
    }

    /// `sodium_memzero` of `buffer`: for ``withTemporaryBytes(count:_:)``, and for a secret the caller keeps in a
    /// local variable of its own rather than in a ``SecureBytes`` (wiped with this before the variable goes).
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        sodium_memzero(buffer.baseAddress, buffer.count)
    }

    /// The number of bytes.
    public var count: Int { storage.buffer.count }

    /// Gives read access to the bytes for the duration of `body`. Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }

    /// Makes these bytes a copy of `bytes`, as `self = SecureBytes(copying: bytes)` does. When this value holds the
    /// only reference to its buffer and the lengths are equal, the new bytes are written over the old ones (no
    /// allocation, and the old secret is gone at once); otherwise a new buffer is made and the old one is left to its
    /// other copies, wiped when the last of them is released.
    ///
    /// ```swift
    /// var chainKey = SecureBytes(random: 32, using: SystemRandom())
    /// chainKey.replace(with: nextChainKey)   // in place: no other copy of chainKey exists
    /// ```
    public mutating func replace(with bytes: UnsafeRawBufferPointer) {
        guard bytes.count == count, isKnownUniquelyReferenced(&storage) else {
            self = SecureBytes(copying: bytes)
            return
        }
        if let base = bytes.baseAddress, count > 0 {
            storage.buffer.copyMemory(from: .init(start: base, count: count))
        }
    }

    /// A new secret made of `range` of these bytes.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        let sub = Storage.make(count: range.count)
        sub.buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage.buffer[range]))
        return SecureBytes(storage: sub)
    }

    /// Copies the secret out as a plain array, for explicit export paths only (the copy is not wiped).
    public func exportBytes() -> [UInt8] { Array(storage.buffer) }

    /// Constant-time for equal lengths; the length itself is not secret.
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.count == 0 { return true }
        return sodium_memcmp(lhs.storage.buffer.bytes, rhs.storage.buffer.bytes, lhs.count) == 0
    }

    /// `true` when every byte is zero, in constant time.
    public var isAllZero: Bool {
        count == 0 || sodium_is_zero(storage.buffer.bytes, count) == 1
    }

    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }

    private init(storage: Storage) { self.storage = storage }

    /// Owns the bytes, allocated with the object itself (one allocation per secret), and wipes them on release.
    private final class Storage: ManagedBuffer<Int, UInt8> {
        /// A zeroed buffer of `count` bytes (at least one is allocated, so the base address is never nil).
        static func make(count: Int) -> Storage {
            let made = create(minimumCapacity: Swift.max(count, 1)) { _ in count }
            made.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: Swift.max(count, 1)) }
            return unsafeDowncast(made, to: Storage.self)
        }

        /// The bytes. Valid while this object is alive: every user reaches it through a `SecureBytes` that holds it.
        var buffer: UnsafeMutableRawBufferPointer {
            withUnsafeMutablePointers { count, bytes in
                UnsafeMutableRawBufferPointer(start: bytes, count: count.pointee)
            }
        }

        deinit {
            withUnsafeMutablePointers { count, bytes in
                sodium_memzero(bytes, Swift.max(count.pointee, 1))
            }
        }
    }
}
