import Foundation
import Logging
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordStore

/// `notification_decrypt_cold_*` (issue 15): a fresh process, as a notification extension is, opens the 10,000-session
/// store with the key the app exported (`StoreKeySource.storeKey`: no Argon2id) and decrypts one message through
/// ``NotificationDecryptor``; it reports how long the open and the decrypt took together and its peak resident memory.
enum NotificationProbe {
    /// Runs `StoreBench notify STORE MESSAGE` with the key on standard input; answers the child's figures.
    static func run(_ executable: URL, path: String, key: SecureBytes, message: Message) throws -> OpenProbe.Opened {
        let file = path + ".message.json"
        try Data(try WireJSON.encode(message)).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try OpenProbe.runChild(executable, ["notify", path, file], key: key)
    }

    /// The child's side: open, decrypt, then print `milliseconds peak-resident-MiB`; fails unless the message was
    /// decrypted.
    static func child(path: String, messageFile: String) throws {
        let hex = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let key = SecureBytes(copying: try Hex.decode(hex.trimmingCharacters(in: .whitespacesAndNewlines)))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: messageFile)))
        let logger = Logger(label: "notification-probe") { _ in SwiftLogNoOpLogHandler() }
        let semaphore = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let start = DispatchTime.now().uptimeNanoseconds
        Task {
            do {
                let decryptor = try NotificationDecryptor(storeAt: path, key: .storeKey(key), logger: logger)
                let events = await decryptor.decrypt(messageJSON: bytes)
                outcome.decrypted = events.contains { if case .message = $0 { true } else { false } }
            } catch {
                outcome.decrypted = false
            }
            semaphore.signal()
        }
        semaphore.wait()
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start)
        guard outcome.decrypted else { throw BenchFailure("the probe did not decrypt the message") }
        print(String(format: "%.3f %.2f", ns / 1e6, OpenProbe.peakResidentMiB()))
    }

    /// What the probe's task found. @unchecked Sendable: written by the task before the semaphore is signalled, read
    /// after it is waited for.
    final class Outcome: @unchecked Sendable {
        var decrypted = false
    }
}
