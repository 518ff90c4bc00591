import CSodium
public import Foundation

/// Secret bytes: keys, chain keys, plaintexts. Immutable once made; the buffer is wiped with
/// `sodium_memzero` when the last copy is released.
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
    private let storage: Storage

    /// Makes `count` bytes and lets `initializer` fill them. If it throws, the buffer is wiped and released.
    public init<E: Error>(
        count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let storage = Storage(count: count)
        try initializer(storage.buffer)
        self.storage = storage
    }

    /// Copies bytes into a new secret buffer. The caller remains responsible for the source's copy.
    public init(copying bytes: some ContiguousBytes) {
        let count = bytes.withUnsafeBytes { $0.count }
        storage = Storage(count: count)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, count > 0 {
                storage.buffer.copyMemory(from: .init(start: base, count: count))
            }
        }
    }

    /// `count` bytes from a random source.
    public init(random count: Int, using source: any RandomSource) {
        storage = Storage(count: count)
        source.fill(storage.buffer)
    }

    /// The number of bytes.
    public var count: Int { storage.buffer.count }

    /// Gives read access to the bytes for the duration of `body`. Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }

    /// A new secret made of `range` of these bytes.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        let sub = Storage(count: range.count)
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

    /// Owns the allocation and wipes it on release.
    // @unchecked Sendable: the bytes are written only inside the initialiser, before the storage is shared.
    private final class Storage: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer

        init(count: Int) {
            // Allocate at least one byte so the base address is never nil.
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            buffer = UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
        }

        deinit {
            if let base = buffer.baseAddress {
                sodium_memzero(base, Swift.max(buffer.count, 1))
                base.deallocate()
            }
        }
    }
}
