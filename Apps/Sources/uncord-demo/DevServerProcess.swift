import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `uncord-devserver` binary next to this one, run as a child process on a free loopback port.
struct DevServerProcess {
    let process: Process
    /// The server's standard input: the server shuts down when it closes, which the kernel does when this process
    /// ends in any way, so the server never outlives the demo.
    let lifeline: Pipe
    /// `http://127.0.0.1:PORT`.
    let baseURL: URL
    let port: Int

    /// The `uncord-devserver` beside this executable (the same `.build/<config>/` folder).
    static func binary() throws -> URL {
        let own =
            Bundle.main.executableURL
            ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "uncord-demo")
        let binary = own.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(
            "uncord-devserver")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw DemoError.setup(
                "no uncord-devserver at \(binary.path); build both products "
                    + "(swift build --package-path Apps --product uncord-demo --product uncord-devserver)")
        }
        return binary
    }

    /// Starts the server with `dataDirectory` and reads the port from its first line.
    static func start(dataDirectory: String, timeout: Duration = .seconds(10)) async throws -> DevServerProcess {
        let process = Process()
        process.executableURL = try binary()
        // The demo makes a burst of requests in a few seconds: the real server's 60 a minute is off here.
        process.arguments = ["--port", "0", "--data", dataDirectory, "--exit-when-input-closes", "--rate-limit", "0"]
        let lifeline = Pipe()
        process.standardInput = lifeline
        let output = Pipe()
        process.standardOutput = output
        let (chunks, continuation) = AsyncStream.makeStream(of: Data.self)
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else {
                continuation.yield(data)
            }
        }
        try process.run()
        do {
            let line = try await withTimeout(timeout, "the development server's first line") {
                var buffer = Data()
                for await chunk in chunks {
                    buffer.append(chunk)
                    if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        return String(decoding: buffer[..<end], as: UTF8.self)
                    }
                }
                throw DemoError.setup(
                    "the development server exited before listening: \(String(decoding: buffer, as: UTF8.self))")
            }
            let prefix = "listening on "
            guard line.hasPrefix(prefix), let url = URL(string: String(line.dropFirst(prefix.count))),
                let port = url.port
            else { throw DemoError.setup("the development server said \"\(line)\", not its address") }
            return DevServerProcess(process: process, lifeline: lifeline, baseURL: url, port: port)
        } catch {
            stop(process)
            throw error
        }
    }

    /// Terminates the server and waits (briefly) for it to exit.
    func stop() {
        Self.stop(process)
    }

    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
