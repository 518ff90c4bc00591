import Foundation
import Testing

@Suite("uncord-demo")
struct DemoTests {
    /// The built `uncord-demo` beside this test bundle, else in the package's `.build/debug`.
    static func demoBinary() -> URL? {
        var folders: [URL] = []
        if let bundle = Bundle.main.executableURL { folders.append(bundle.deletingLastPathComponent()) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        folders.append(root.appendingPathComponent(".build/debug"))
        return folders.map { $0.appendingPathComponent("uncord-demo") }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
                && FileManager.default.isExecutableFile(
                    atPath: $0.deletingLastPathComponent().appendingPathComponent("uncord-devserver").path)
        }
    }

    @Test("runs end to end against the development server and exits 0")
    func demoRuns() async throws {
        let binary = try #require(
            Self.demoBinary(), "build uncord-demo and uncord-devserver first (swift build --build-tests)")
        let process = Process()
        process.executableURL = binary
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            process.terminate()
        }
        let (stdout, stderr) = await Task.detached {
            let stdout = output.fileHandleForReading.readDataToEndOfFile()
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }.value
        watchdog.cancel()
        #expect(process.terminationStatus == 0, "stderr: \(stderr)\nstdout: \(stdout)")
        let expected = [
            #"[alice/laptop] → "hi bob""#,
            #"[bob/phone] ← "hi bob" from alice/laptop (unverified)"#,
            #"[alice/phone] ← "hi alice, got it" from bob/phone (unverified)"#,
            "[alice/phone] session resumed (RESUMED",
            ##"[alice/phone] ← "#1 encrypted first, posted last" from bob/phone"##,
            "[bob/phone] uploaded 5 new one-time pre-keys (.keysReplenished)",
            "sending is blocked until accepted",
            "[alice/laptop] ✗ send refused: E2EEError.identityChanged",
            #"[bob/phone] ← "welcome back, bob" from alice/laptop"#,
            #"[bob/tablet] ← "hello to both of bob's devices" from alice/laptop"#,
            "unchanged by the new device: linking does not touch the account key",
            "[alice/laptop] ⛔ refused bob/server-added: foreignIdentityKey",
            #"[bob/tablet] ← "for bob's own devices only" from alice/laptop"#,
            "[bob/server-added] its message list holds 0 key(s): it can read nothing",
            "demo complete in",
        ]
        for line in expected { #expect(stdout.contains(line), "missing: \(line)") }
        let safetyNumbers = stdout.split(separator: "\n").filter { $0.contains("safety number with") }
        #expect(safetyNumbers.count == 6)
        for line in safetyNumbers {
            let groups = line.split(separator: ":").last?.split(separator: " ") ?? []
            #expect(groups.count == 12 && groups.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isNumber) })
        }
    }
}
