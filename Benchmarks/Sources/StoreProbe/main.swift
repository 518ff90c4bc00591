import Foundation
import Logging
import ProbeSupport
import UncordE2EE
import UncordStore

// The children of StoreBench whose resident memory is a figure, in a binary that links only what an app's
// extension links (the store and the engine; not the network client, the development server or the benchmarks):
//   StoreProbe open PATH          opens the store (raw key on stdin): store_open_10k_*
//   StoreProbe notify PATH FILE   decrypts the message in FILE through NotificationDecryptor (key on stdin):
//                                 notification_decrypt_cold_*
let arguments = CommandLine.arguments
do {
    switch (arguments.count, arguments.count > 1 ? arguments[1] : "") {
    case (3, "open"):
        let key = try Probe.readKey()
        let start = DispatchTime.now().uptimeNanoseconds
        let store = try SQLiteStore.open(at: arguments[2], key: .rawKey(key))
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start)
        withExtendedLifetime(store) { Probe.report(nanoseconds: ns) }
    case (4, "notify"):
        try notify(path: arguments[2], messageFile: arguments[3])
    default:
        FileHandle.standardError.write(Data("usage: StoreProbe open PATH | StoreProbe notify PATH FILE\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("StoreProbe: \(error)\n".utf8))
    exit(1)
}

/// Opens the store with the exported key (no Argon2id) and decrypts one message, as a notification extension does;
/// fails unless the message was decrypted.
func notify(path: String, messageFile: String) throws {
    let key = try Probe.readKey()
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
    guard outcome.decrypted else { throw ProbeFailure("the probe did not decrypt the message") }
    Probe.report(nanoseconds: ns)
}

/// What the probe's task found. @unchecked Sendable: written by the task before the semaphore is signalled, read
/// after it is waited for.
final class Outcome: @unchecked Sendable {
    var decrypted = false
}
