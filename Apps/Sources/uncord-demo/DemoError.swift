import Foundation

/// Why the demo stopped.
enum DemoError: Error, CustomStringConvertible {
    /// Something the demo needs could not be set up.
    case setup(String)
    /// An expected event did not arrive in time.
    case timeout(String, Duration)
    /// Something happened that should not have.
    case unexpected(String)

    var description: String {
        switch self {
        case .setup(let reason): "setup failed: \(reason)"
        case .timeout(let what, let limit): "timed out after \(limit): \(what)"
        case .unexpected(let what): "unexpected: \(what)"
        }
    }
}

/// Runs `body`, failing with ``DemoError/timeout(_:_:)`` naming `what` when it takes longer than `limit`.
func withTimeout<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DemoError.timeout(what, limit) }
        return value
    }
}

/// Writes one line to standard output at once (unbuffered, so a pipe sees it immediately).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
