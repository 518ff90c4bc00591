public import Foundation
public import UncordCrypto
public import UncordStore

/// Known secrets, and a search for them as raw bytes: in a database file, its WAL, its journal, a backup. (For
/// log lines and error texts, where a secret would be printed rather than stored, see ``SecretText``.)
public struct SecretBytes {
    private var index = NeedleIndex()
    private var known: Set<[UInt8]> = []

    /// An empty search.
    public init() {}

    /// How many distinct secrets are known.
    public var count: Int { known.count }

    /// Adds a secret of at least 16 bytes; repeats and all-zero values are ignored. A shorter one is a mistake in
    /// the test (its matches would mean nothing), and traps.
    public mutating func add(_ bytes: [UInt8], _ label: String) {
        precondition(bytes.count >= 16, "a secret to scan for has at least 16 bytes; \(label) has \(bytes.count)")
        guard !bytes.allSatisfy({ $0 == 0 }), known.insert(bytes).inserted else { return }
        index.insert(bytes, label)
    }

    /// Adds a secret held in secure bytes.
    public mutating func add(_ secret: SecureBytes, _ label: String) { add(secret.exportBytes(), label) }

    /// Adds every secret `store` holds now (``StoreSecrets``): its identity and pre-keys and every session's keys.
    public mutating func addKeys(of store: SQLiteStore, _ name: String) throws {
        try StoreSecrets.each(of: store, name) { add($0, $1) }
    }

    /// The labels of the known secrets that occur in `bytes`.
    public func scan(_ bytes: [UInt8]) -> Set<String> { index.labels(in: bytes) }

    /// The labels of the known secrets in each file of `directory` (database, WAL, shared memory, journals, lock
    /// files: everything), by file name; files without any are left out.
    public func scan(directory: URL) throws -> [String: Set<String>] {
        var hits: [String: Set<String>] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let found = scan(try [UInt8](Data(contentsOf: directory.appendingPathComponent(name))))
            if !found.isEmpty { hits[name] = found }
        }
        return hits
    }
}
