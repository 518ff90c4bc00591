import UncordCrypto
import UncordRatchet
import UncordStore

/// Every secret a store holds at the moment it is asked, each with a label naming it: the identity key, each signed
/// and one-time pre-key still held, and for every session the root key, the ratchet private key, each chain key with
/// the next message key it gives, and the skipped message keys.
enum StoreSecrets {
    /// Calls `body` with each secret of `store` and its label, which starts with `name`.
    static func each(of store: SQLiteStore, _ name: String, _ body: (SecureBytes, String) -> Void) throws {
        body(try store.localIdentity().keyPair.secret, "\(name): identity key")
        for info in try store.signedPreKeyList() {
            if let key = try store.signedPreKey(id: info.id) { body(key.secret, "\(name): signed pre-key \(info.id)") }
        }
        for info in try store.oneTimePreKeyList() {
            if let key = try store.oneTimePreKey(id: info.id) {
                body(key.secret, "\(name): one-time pre-key \(info.id)")
            }
        }
        for summary in try store.sessionSummaries() {
            guard let record = try store.sessionRecord(for: summary.peer) else { continue }
            for (index, session) in record.sessions.enumerated() {
                each(of: session.ratchet, "\(name): session \(index) with \(summary.peer)", body)
            }
        }
    }

    private static func each(of ratchet: DoubleRatchet, _ label: String, _ body: (SecureBytes, String) -> Void) {
        body(ratchet.rootKey, "\(label): root key")
        body(ratchet.sendingKey.secret, "\(label): ratchet private key")
        for (name, chain) in [("sending", ratchet.sendingChain), ("receiving", ratchet.receivingChain)] {
            guard let chain else { continue }
            body(chain, "\(label): \(name) chain key")
            body(RatchetKDF.chain(chain).messageKey, "\(label): next \(name) message key")
        }
        for skipped in ratchet.skippedKeys { body(skipped.key, "\(label): skipped key \(skipped.messageNumber)") }
    }
}
