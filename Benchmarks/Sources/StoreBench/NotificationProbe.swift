import Foundation
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordStore

/// `notification_decrypt_cold_*` (issue 15): a fresh process, as a notification extension is, opens the 10,000-session
/// store with the key the app exported (`StoreKeySource.storeKey`: no Argon2id) and decrypts one message through
/// ``NotificationDecryptor``; it reports how long the open and the decrypt took together and its peak resident memory.
enum NotificationProbe {
    /// Runs `StoreProbe notify STORE MESSAGE` with the key on standard input; answers the child's figures.
    static func run(_ executable: URL, path: String, key: SecureBytes, message: Message) throws -> OpenProbe.Opened {
        let file = path + ".message.json"
        try Data(try WireJSON.encode(message)).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try OpenProbe.runChild(executable, ["notify", path, file], key: key)
    }
}
