import Foundation
public import UncordCrypto

/// What the probe children of StoreBench share: each is a fresh process that reads a store key in hex on standard
/// input, does one thing, and prints `milliseconds peak-resident-MiB` on one line.
public enum Probe {
    /// The key the parent wrote on standard input, in hex.
    public static func readKey() throws -> SecureBytes {
        let hex = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        return SecureBytes(copying: try Hex.decode(hex.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Prints the child's one line of figures.
    public static func report(nanoseconds: Double) {
        print(String(format: "%.3f %.2f", nanoseconds / 1e6, peakResidentMiB()))
    }

    /// `VmHWM` of `/proc/self/status`: the process's peak resident set, in MiB.
    public static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kib / 1024
        }
        return .nan
    }
}

/// A probe that could not do its one thing.
public struct ProbeFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
