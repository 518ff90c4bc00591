import Foundation
import UncordCrypto

/// The backup file format, version 1 (`Docs/STORAGE.md`): a header in the clear, then the store key and the
/// database image sealed under a key derived from the backup passphrase.
///
/// ```
/// magic "UEDM1-BACKUP" (12) || version 0x01 || kdf 0x01 (Argon2id 1.3) || u32be(passes) || u64be(memory bytes)
///   || salt (16) || nonce (24)                                            — the 66-byte header
/// || XChaCha20-Poly1305(key = Argon2id(passphrase, salt), nonce, store key (32) || database image, ad = header)
/// ```
///
/// The header is the associated data, so any change to it, to the ciphertext or its length fails the one
/// authentication check, as a wrong passphrase does.
enum BackupFile {
    /// The first bytes of every backup.
    static let magic = Array("UEDM1-BACKUP".utf8)
    /// The format version this build writes and reads.
    static let version: UInt8 = 1
    /// The key derivation: Argon2id version 1.3.
    static let argon2id: UInt8 = 1
    /// The header's size.
    static let headerByteCount = magic.count + 1 + 1 + 4 + 8 + Argon2id.saltByteCount + XChaCha20Poly1305.nonceByteCount
    /// The most memory a backup may ask Argon2id for (1 GiB), so a crafted file cannot exhaust the machine.
    static let maximumMemoryBytes = 1 << 30
    /// The most passes a backup may ask for.
    static let maximumIterations: UInt64 = 16
    /// An SQLite database image starts with these bytes.
    private static let sqliteMagic = Array("SQLite format 3\u{0}".utf8)

    /// Seals a store key and its database image under `passphrase`.
    static func seal(
        storeKey: StoreKey, image: [UInt8], passphrase: SecureBytes, parameters: Argon2id.Parameters,
        random: any RandomSource
    ) throws(StoreError) -> [UInt8] {
        guard let iterations = UInt32(exactly: parameters.iterations) else {
            throw .invalidKey("Argon2id passes out of range: \(parameters.iterations)")
        }
        let salt = random.bytes(Argon2id.saltByteCount)
        let nonce = random.bytes(XChaCha20Poly1305.nonceByteCount)
        var header = magic + [version, argon2id]
        header += withUnsafeBytes(of: iterations.bigEndian) { Array($0) }
        header += withUnsafeBytes(of: UInt64(parameters.memoryBytes).bigEndian) { Array($0) }
        header += salt + nonce
        let key = try derive(passphrase, salt: salt, parameters: parameters)
        let keyCount = storeKey.key.count
        let content = SecureBytes(count: keyCount + image.count) { (buffer: UnsafeMutableRawBufferPointer) in
            storeKey.key.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: buffer[..<keyCount]).copyMemory(from: $0)
            }
            image.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[keyCount...]).copyMemory(from: $0) }
        }
        do {
            return header + (try XChaCha20Poly1305.seal(content, key: key, nonce: nonce, authenticating: header))
        } catch {
            throw .io("cannot seal the backup: \(error)")
        }
    }

    /// A backup's header, read and checked before any key is derived.
    struct Header {
        /// The header's bytes, the associated data of the sealed part.
        var bytes: [UInt8]
        /// The key derivation's limits.
        var parameters: Argon2id.Parameters
        /// The key derivation's salt.
        var salt: [UInt8]
        /// The sealed part's nonce.
        var nonce: [UInt8]
    }

    /// Reads and checks a backup's header.
    /// - Throws: ``StoreError/backupNotRecognised(path:reason:)`` for a file that is not a backup, is cut inside its
    ///   header or asks for key-derivation limits out of range; ``StoreError/backupVersionUnsupported(found:supported:)``.
    static func header(of file: [UInt8], path: String) throws(StoreError) -> Header {
        guard file.count >= magic.count, Array(file[..<magic.count]) == magic else {
            throw .backupNotRecognised(path: path, reason: "it does not start like an uncord-e2ee backup")
        }
        guard file.count > magic.count else {
            throw .backupNotRecognised(path: path, reason: "it is truncated inside its header")
        }
        guard file[magic.count] == version else {
            throw .backupVersionUnsupported(found: Int(file[magic.count]), supported: Int(version))
        }
        guard file.count >= headerByteCount + XChaCha20Poly1305.tagByteCount else {
            throw .backupNotRecognised(path: path, reason: "it is truncated inside its header")
        }
        var offset = magic.count + 1
        guard file[offset] == argon2id else {
            throw .backupNotRecognised(path: path, reason: "it names an unknown key derivation (\(file[offset]))")
        }
        offset += 1
        let iterations = file[offset..<(offset + 4)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        offset += 4
        let memory = file[offset..<(offset + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        offset += 8
        guard (1...maximumIterations).contains(iterations), memory <= UInt64(maximumMemoryBytes) else {
            throw .backupNotRecognised(
                path: path, reason: "its key-derivation limits (\(iterations) passes, \(memory) bytes) are out of range"
            )
        }
        let salt = Array(file[offset..<(offset + Argon2id.saltByteCount)])
        offset += Argon2id.saltByteCount
        return Header(
            bytes: Array(file[..<headerByteCount]),
            parameters: .init(iterations: iterations, memoryBytes: Int(memory)), salt: salt,
            nonce: Array(file[offset..<(offset + XChaCha20Poly1305.nonceByteCount)]))
    }

    /// Opens a backup whose header was checked: derives the key and authenticates everything.
    /// - Throws: ``StoreError/backupAuthenticationFailed`` for a wrong passphrase or a truncated or altered file.
    static func open(
        _ file: [UInt8], header: Header, passphrase: SecureBytes, path: String
    ) throws(StoreError) -> (storeKey: StoreKey, image: [UInt8]) {
        let key = try derive(passphrase, salt: header.salt, parameters: header.parameters)
        let content: SecureBytes
        do {
            content = try XChaCha20Poly1305.open(
                file[headerByteCount...], key: key, nonce: header.nonce, authenticating: header.bytes)
        } catch {
            throw .backupAuthenticationFailed
        }
        let keyCount = XChaCha20Poly1305.keyByteCount
        let image = content.withUnsafeBytes { Array($0.dropFirst(keyCount)) }
        guard image.count > sqliteMagic.count, Array(image[..<sqliteMagic.count]) == sqliteMagic else {
            throw .backupNotRecognised(path: path, reason: "its content is not a store")
        }
        return (try StoreKey(rawKey: content.slice(0..<keyCount)), image)
    }

    private static func derive(
        _ passphrase: SecureBytes, salt: [UInt8], parameters: Argon2id.Parameters
    ) throws(StoreError) -> SecureBytes {
        guard passphrase.count > 0 else { throw .invalidKey("the backup passphrase is empty") }
        do {
            return try Argon2id.deriveKey(from: passphrase, salt: salt, parameters: parameters)
        } catch {
            throw .invalidKey("cannot derive the backup key: \(error)")
        }
    }
}
