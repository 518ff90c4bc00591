import Foundation
import UncordCrypto
import UncordRatchet
import UncordStore

/// Receives a crash-test stream into its store, resuming after whatever an earlier, killed run committed.
///
/// Each message is one transaction, so the distinct messages stored are always a prefix of the stream's distinct
/// messages in delivery order: with `n` stored, the run resumes just after the line that brought the `n`-th. It
/// checks that prefix first (the `n`-th is stored, the next is not), and then that every first occurrence is new
/// and every replay comes back as already stored; any surprise ends the run with ``HelperError/inconsistent(_:)``.
///
/// Standard output gets `resumed N of M` once the store is open (the test kills only after it), then `done`.
struct StreamReceiver {
    let files: StreamFiles
    /// How often progress goes to standard error.
    static let progressEvery = 250

    func run() throws {
        let lines = try StreamFiles.readLines(files.stream)
        var seen = Set<UUID>()
        let firstLines = lines.indices.filter { seen.insert(lines[$0].id).inserted }
        let isFirst = Set(firstLines)
        let store = try SQLiteStore.open(at: files.store, key: .rawKey(try files.readKey()))
        let stored = try store.messageCount()
        guard stored <= firstLines.count else {
            throw HelperError.inconsistent("\(stored) messages stored, the stream has \(firstLines.count)")
        }
        if stored > 0, try store.message(id: lines[firstLines[stored - 1]].id) == nil {
            throw HelperError.inconsistent("message \(stored) of the stream is missing, yet \(stored) are stored")
        }
        if stored < firstLines.count, try store.message(id: lines[firstLines[stored]].id) != nil {
            throw HelperError.inconsistent("message \(stored + 1) of the stream is stored out of turn")
        }
        CrashHelper.say("resumed \(stored) of \(firstLines.count)")

        let cipher = SessionCipher()
        let start = stored > 0 ? firstLines[stored - 1] + 1 : 0
        var fresh = 0
        var replays = 0
        for index in start..<lines.count {
            let received: ReceivedMessage
            do { received = try store.receive(try lines[index].message(), using: cipher) } catch {
                throw HelperError.inconsistent("line \(index + 1) does not decrypt: \(error)")
            }
            let isNew = isFirst.contains(index)
            guard received.wasAlreadyStored != isNew else {
                throw HelperError.inconsistent(
                    "line \(index + 1) came back \(received.wasAlreadyStored ? "already stored" : "new")")
            }
            if isNew { fresh += 1 } else { replays += 1 }
            if (index + 1) % Self.progressEvery == 0 { CrashHelper.note("line \(index + 1) of \(lines.count)") }
        }
        CrashHelper.say("done: \(fresh) received, \(replays) replays recognised")
    }
}
