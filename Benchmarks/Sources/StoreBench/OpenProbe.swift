import Foundation
import UncordCrypto
import UncordStore

/// `store_open_10k_*`: a fresh process opens the store with its raw key (`StoreKeySource.rawKey`; a passphrase
/// would add the deliberately slow Argon2id derivation) and reports how long ``SQLiteStore/open`` took and its
/// peak resident memory. A process of its own, so that the resident figure is the open's and not the benchmark's.
enum OpenProbe {
    struct Opened {
        var milliseconds: Double
        var residentMiB: Double
    }

    /// Runs `StoreProbe open PATH` with the key on standard input and reads its one line of output.
    static func run(_ executable: URL, path: String, key: SecureBytes) throws -> Opened {
        try runChild(executable, ["open", path], key: key)
    }

    /// Runs a probe child (`StoreProbe ARGUMENTS`, or `StoreBench ARGUMENTS`) with the key in hex on standard input
    /// and reads its one line, `milliseconds peak-resident-MiB`.
    static func runChild(_ executable: URL, _ arguments: [String], key: SecureBytes) throws -> Opened {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(Hex.encode(key.exportBytes()).utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard process.terminationStatus == 0, fields.count == 2 else {
            throw BenchFailure("the \(arguments[0]) probe failed: \(String(decoding: data, as: UTF8.self))")
        }
        return Opened(milliseconds: fields[0], residentMiB: fields[1])
    }
}
