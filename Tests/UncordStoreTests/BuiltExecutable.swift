import Foundation
import Testing

/// An executable of this package, found beside the test bundle (`.build/debug/NAME`), run as a subprocess.
struct BuiltExecutable {
    /// What a finished run left behind.
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String

        /// Standard error's lines.
        var errorLines: [Substring] { standardError.split(separator: "\n") }
    }

    /// The executable's path.
    let url: URL

    /// Finds `name` in the build products directory the tests run from.
    /// - Throws: a test failure naming where it looked, with the command that builds it.
    init(named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        let candidates = directories.map { $0.appendingPathComponent(name) }
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        url = try #require(
            found, "\(name) is not built (looked in \(candidates.map(\.path))); run `swift build --build-tests`",
            sourceLocation: sourceLocation)
    }

    /// Runs the executable to completion with `arguments` and exactly `environment`, capturing both outputs
    /// through files in `directory`.
    func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws -> Run {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let outURL = directory.appendingPathComponent("stdout-\(UUID().uuidString)")
        let errURL = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Run(
            status: process.terminationStatus,
            standardOutput: try String(contentsOf: outURL, encoding: .utf8),
            standardError: try String(contentsOf: errURL, encoding: .utf8))
    }
}

/// A fresh directory for a subprocess test, removed when released.
final class SubprocessScratch {
    /// The directory.
    let url: URL

    init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
