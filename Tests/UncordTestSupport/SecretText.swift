import Foundation
public import UncordCrypto
import UncordRatchet
public import UncordStore

/// Known secrets, and a search for them in text (log lines, error descriptions) in every form a careless line
/// could print them: bytes as lower- and upper-case hex, as base64 (standard and URL-safe, at each of the three
/// alignments inside a longer encoding) and as Swift's `[1, 2, 3]` array text; text secrets as they are and in
/// base64. The search indexes needles by their first 8 bytes, so it is linear in the text.
public struct SecretText {
    private var needles: [UInt64: [(needle: [UInt8], label: String)]] = [:]
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
        for form in forms { index(Array(form.utf8), label) }
    }

    /// Adds secret bytes held in secure bytes.
    public mutating func add(_ secret: SecureBytes, _ label: String) { add(secret.exportBytes(), label) }

    /// Adds a text secret (a passphrase, a token, a plaintext): as it is, and in base64.
    public mutating func add(text: String, _ label: String) {
        guard labels.insert(label).inserted else { return }
        index(Array(text.utf8), label)
        index(Array(Base64.encode(Array(text.utf8)).utf8.prefix(24)), label)
    }

    /// Adds a store's identity key, every signed and one-time pre-key it holds, and every secret of every session
    /// it keeps: root keys, chain keys with their next message keys, ratchet private keys, skipped message keys.
    public mutating func addKeys(of store: SQLiteStore, _ name: String) throws {
        add(try store.localIdentity().keyPair.secret, "\(name): identity key")
        for info in try store.signedPreKeyList() {
            if let key = try store.signedPreKey(id: info.id) { add(key.secret, "\(name): signed pre-key \(info.id)") }
        }
        for info in try store.oneTimePreKeyList() {
            if let key = try store.oneTimePreKey(id: info.id) {
                add(key.secret, "\(name): one-time pre-key \(info.id)")
            }
        }
        for summary in try store.sessionSummaries() {
            guard let record = try store.sessionRecord(for: summary.peer) else { continue }
            for (index, session) in record.sessions.enumerated() {
                addSession(session.ratchet, "\(name): session \(index) with \(summary.peer)")
            }
        }
    }

    private mutating func addSession(_ ratchet: DoubleRatchet, _ label: String) {
        add(ratchet.rootKey, "\(label): root key")
        add(ratchet.sendingKey.secret, "\(label): ratchet private key")
        for (name, chain) in [("sending", ratchet.sendingChain), ("receiving", ratchet.receivingChain)] {
            guard let chain else { continue }
            add(chain, "\(label): \(name) chain key")
            add(RatchetKDF.chain(chain).messageKey, "\(label): next \(name) message key")
        }
        for skipped in ratchet.skippedKeys { add(skipped.key, "\(label): skipped key \(skipped.messageNumber)") }
    }

    /// The labels of the secrets found in `text`.
    public func find(in text: String) -> Set<String> {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8 else { return [] }
        var found: Set<String> = []
        bytes.withUnsafeBytes { raw in
            for offset in 0...(raw.count - 8) {
                guard let candidates = needles[raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)] else {
                    continue
                }
                for (needle, label) in candidates where offset + needle.count <= raw.count {
                    if raw[offset..<(offset + needle.count)].elementsEqual(needle) { found.insert(label) }
                }
            }
        }
        return found
    }

    private mutating func index(_ needle: [UInt8], _ label: String) {
        guard needle.count >= 8 else { return }
        let key = needle.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        needles[key, default: []].append((needle, label))
    }
}
