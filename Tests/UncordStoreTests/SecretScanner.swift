import Foundation
import Testing
import UncordCrypto

@testable import UncordRatchet
@testable import UncordSQLite
@testable import UncordStore

/// Known secrets, and a search for them in raw bytes: every offset of the bytes is looked up by its next 8 bytes,
/// so a scan is linear in the bytes whatever the number of secrets.
struct SecretScanner {
    /// One secret and what it is.
    struct Secret: Hashable {
        var label: String
        var bytes: [UInt8]
    }

    private static let prefixLength = 8
    private var byPrefix: [UInt64: [Secret]] = [:]
    private var known: Set<[UInt8]> = []

    /// How many distinct secrets are known.
    var count: Int { known.count }

    /// Adds a secret of at least 16 bytes; repeats and all-zero values are ignored.
    mutating func add(_ bytes: [UInt8], _ label: @autoclosure () -> String) {
        guard bytes.count >= 16 else {
            Issue.record("a secret to scan for has at least 16 bytes; \(label()) has \(bytes.count)")
            return
        }
        guard !bytes.allSatisfy({ $0 == 0 }), known.insert(bytes).inserted else { return }
        byPrefix[Self.prefix(bytes[...]), default: []].append(Secret(label: label(), bytes: bytes))
    }

    /// Adds a secret held in secure bytes.
    mutating func add(_ secret: SecureBytes, _ label: @autoclosure () -> String) {
        add(secret.exportBytes(), label())
    }

    /// Adds the identity key, every signed pre-key and every one-time pre-key `store` holds now.
    mutating func addPreKeys(of store: SQLiteStore, _ name: String) throws {
        add(try store.localIdentity().keyPair.secret, "\(name) identity key")
        let current = try store.currentSignedPreKey().id
        for id in 1...current {
            if let key = try store.signedPreKey(id: id) { add(key.secret, "\(name) signed pre-key \(id)") }
        }
        for key in try store.pendingOneTimePreKeys() {
            if let secret = try store.oneTimePreKey(id: key.id) {
                add(secret.secret, "\(name) one-time pre-key \(key.id)")
            }
        }
    }

    /// Adds every secret of `store`'s sessions with `peers`: root and chain keys, the next message key of each
    /// chain, the ratchet private keys and the skipped message keys.
    mutating func addSessions(of store: SQLiteStore, with peers: [DeviceAddress], _ name: String) throws {
        for peer in peers {
            guard let record = try store.sessionRecord(for: peer) else { continue }
            for (index, session) in record.sessions.enumerated() {
                let label = "\(name) session \(index) with \(peer)"
                let ratchet = session.ratchet
                add(ratchet.rootKey, "\(label): root key")
                add(ratchet.sendingKey.secret, "\(label): ratchet private key")
                for (chainName, chain) in [("sending", ratchet.sendingChain), ("receiving", ratchet.receivingChain)] {
                    guard let chain else { continue }
                    add(chain, "\(label): \(chainName) chain key")
                    add(RatchetKDF.chain(chain).messageKey, "\(label): next \(chainName) message key")
                }
                for skipped in ratchet.skippedKeys {
                    add(skipped.key, "\(label): skipped message key \(skipped.messageNumber)")
                }
            }
        }
    }

    /// The labels of the known secrets that occur in `bytes`.
    func scan(_ bytes: [UInt8]) -> Set<String> {
        guard bytes.count >= Self.prefixLength else { return [] }
        var found: Set<String> = []
        bytes.withUnsafeBytes { raw in
            for offset in 0...(raw.count - Self.prefixLength) {
                guard let candidates = byPrefix[raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)] else {
                    continue
                }
                for secret in candidates where offset + secret.bytes.count <= raw.count {
                    if raw[offset..<(offset + secret.bytes.count)].elementsEqual(secret.bytes) {
                        found.insert(secret.label)
                    }
                }
            }
        }
        return found
    }

    /// The labels of the known secrets in each file of `directory` (database, WAL, shared memory, journals, lock
    /// files: everything), by file name; files without any are left out.
    func scan(directory: URL) throws -> [String: Set<String>] {
        var hits: [String: Set<String>] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
            let found = scan(bytes)
            if !found.isEmpty { hits[name] = found }
        }
        return hits
    }

    private static func prefix(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.prefix(prefixLength).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}
