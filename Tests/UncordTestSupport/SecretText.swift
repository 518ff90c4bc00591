import Foundation
public import UncordCrypto
public import UncordStore

/// Known secrets, and a search for them in text (log lines, error descriptions) in every form a careless line
/// could print them: bytes as lower- and upper-case hex, as base64 (standard and URL-safe, at each of the three
/// alignments inside a longer encoding) and as Swift's `[1, 2, 3]` array text; text secrets as they are and in
/// base64. The search indexes needles by their first 8 bytes, so it is linear in the text.
public struct SecretText {
    private var index = NeedleIndex()
    private var labels: Set<String> = []

    /// An empty search.
    public init() {}

    /// How many secrets are known.
    public var count: Int { labels.count }

    /// Adds secret bytes (at least 16; all-zero values are ignored).
    public mutating func add(_ bytes: [UInt8], _ label: String) {
        guard bytes.count >= 16, !bytes.allSatisfy({ $0 == 0 }), labels.insert(label).inserted else { return }
        let hex = Hex.encode(bytes)
        var forms = [hex, hex.uppercased(), bytes.prefix(12).map(String.init).joined(separator: ", ")]
        for shift in 0..<3 {
            let encoded = Base64.encode([UInt8](repeating: 0, count: shift) + bytes)
            let start = shift == 0 ? 0 : 4
            let whole = Array(encoded.utf8).dropFirst(start).prefix(20)
            let text = String(decoding: whole, as: UTF8.self)
            forms += [text, text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")]
        }
        for form in forms { index.insert(Array(form.utf8), label) }
    }

    /// Adds secret bytes held in secure bytes.
    public mutating func add(_ secret: SecureBytes, _ label: String) { add(secret.exportBytes(), label) }

    /// Adds a text secret (a passphrase, a token, a plaintext): as it is, and in base64.
    public mutating func add(text: String, _ label: String) {
        guard labels.insert(label).inserted else { return }
        index.insert(Array(text.utf8), label)
        index.insert(Array(Base64.encode(Array(text.utf8)).utf8.prefix(24)), label)
    }

    /// Adds every secret `store` holds now (``StoreSecrets``): its identity and pre-keys and every session's keys.
    public mutating func addKeys(of store: SQLiteStore, _ name: String) throws {
        try StoreSecrets.each(of: store, name) { add($0, $1) }
    }

    /// The labels of the secrets found in `text`.
    public func find(in text: String) -> Set<String> { index.labels(in: Array(text.utf8)) }
}
