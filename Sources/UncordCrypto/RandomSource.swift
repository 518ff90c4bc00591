import CSodium
public import Foundation
import Synchronization

/// Where random bytes come from. Production code uses ``SystemRandom``; tests and the vector generator inject
/// ``DeterministicRandom`` so runs can be replayed from a seed.
public protocol RandomSource: Sendable {
    /// Fills `buffer` completely with random bytes.
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    /// `count` random bytes as a plain array, for values that are not secret (nonces, identifiers).
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

/// The operating system's cryptographic random generator, through libsodium's `randombytes_buf`.
public struct SystemRandom: RandomSource {
    /// Creates the system source.
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // randombytes_buf cannot fail. sodium_init only fails when the system generator cannot be opened, and then
        // randombytes_buf aborts the process itself rather than return predictable bytes.
        _ = try? Sodium.ensureInitialized()
        randombytes_buf(base, buffer.count)
    }
}

/// A replayable source for tests and vector generation: call `n` returns
/// `randombytes_buf_deterministic(count, seed: SHA-256(seed || u64be(n)))`. Never use it for real keys.
public final class DeterministicRandom: RandomSource {
    private let seed: [UInt8]
    private let counter = Mutex<UInt64>(0)

    /// Creates a source from a seed of any length.
    public init(seed: some ContiguousBytes) {
        self.seed = seed.withUnsafeBytes { Array($0) }
    }

    /// Creates a source from an integer seed, as random tests print it.
    public convenience init(seed: UInt64) {
        self.init(seed: withUnsafeBytes(of: seed.bigEndian) { Array($0) })
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let n = counter.withLock { value -> UInt64 in
            defer { value += 1 }
            return value
        }
        var input = seed
        withUnsafeBytes(of: n.bigEndian) { input.append(contentsOf: $0) }
        let callSeed = SHA256.hash(input)
        callSeed.withUnsafeBytes { randombytes_buf_deterministic(base, buffer.count, $0.bytes) }
    }
}
