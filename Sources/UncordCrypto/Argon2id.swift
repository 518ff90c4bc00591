import CSodium
public import Foundation

/// Argon2id (`crypto_pwhash`, ALG_ARGON2ID13): the key that seals the store at rest, from a passphrase.
///
/// ```swift
/// let salt = SystemRandom().bytes(Argon2id.saltByteCount)
/// let key = try Argon2id.deriveKey(from: passphrase, salt: salt, parameters: .moderate)
/// ```
public enum Argon2id {
    /// Salt size in bytes.
    public static let saltByteCount = Int(crypto_pwhash_SALTBYTES)

    /// Cost parameters. Both limits are stored beside the salt so a store can be reopened later.
    public struct Parameters: Sendable, Equatable, Codable {
        /// Passes over memory (libsodium's `opslimit`).
        public var iterations: UInt64
        /// Memory in bytes (libsodium's `memlimit`).
        public var memoryBytes: Int

        /// Custom parameters; checked when used.
        public init(iterations: UInt64, memoryBytes: Int) {
            self.iterations = iterations
            self.memoryBytes = memoryBytes
        }

        /// libsodium's interactive limits (2 passes, 64 MiB).
        public static let interactive = Parameters(
            iterations: UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE), memoryBytes: Int(crypto_pwhash_MEMLIMIT_INTERACTIVE)
        )
        /// libsodium's moderate limits (3 passes, 256 MiB).
        public static let moderate = Parameters(
            iterations: UInt64(crypto_pwhash_OPSLIMIT_MODERATE), memoryBytes: Int(crypto_pwhash_MEMLIMIT_MODERATE))
        /// The smallest limits libsodium accepts; for tests only.
        public static let minimum = Parameters(
            iterations: UInt64(crypto_pwhash_OPSLIMIT_MIN), memoryBytes: Int(crypto_pwhash_MEMLIMIT_MIN))
    }

    /// Derives `length` bytes from `passphrase` and `salt`.
    public static func deriveKey(
        from passphrase: SecureBytes, salt: some ContiguousBytes, parameters: Parameters, length: Int = 32
    ) throws(CryptoError) -> SecureBytes {
        let saltCount = salt.withUnsafeBytes { $0.count }
        guard saltCount == saltByteCount else {
            throw .invalidLength(what: "Argon2id salt", expected: saltByteCount, actual: saltCount)
        }
        guard length >= Int(crypto_pwhash_BYTES_MIN) else {
            throw .invalidParameter("Argon2id output must be at least \(crypto_pwhash_BYTES_MIN) bytes")
        }
        guard parameters.iterations >= UInt64(crypto_pwhash_opslimit_min()),
            parameters.iterations <= UInt64(crypto_pwhash_opslimit_max()),
            parameters.memoryBytes >= crypto_pwhash_memlimit_min(),
            parameters.memoryBytes <= crypto_pwhash_memlimit_max()
        else {
            throw .invalidParameter(
                "Argon2id limits out of range: \(parameters.iterations) passes, \(parameters.memoryBytes) bytes")
        }
        try Sodium.ensureInitialized()
        return try SecureBytes(count: length) { (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            let code = passphrase.withUnsafeBytes { p in
                salt.withUnsafeBytes { s in
                    crypto_pwhash(
                        out.bytes, UInt64(length), UnsafeRawPointer(p.bytes).assumingMemoryBound(to: CChar.self),
                        UInt64(p.count), s.bytes, parameters.iterations, parameters.memoryBytes,
                        crypto_pwhash_ALG_ARGON2ID13)
                }
            }
            // crypto_pwhash fails only when it cannot allocate the memory asked for.
            try Sodium.check(code, "crypto_pwhash")
        }
    }
}
