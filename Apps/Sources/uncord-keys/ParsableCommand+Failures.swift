import ArgumentParser

extension ParsableCommand {
    /// Runs `body`; a failure becomes one line on standard error and its exit code (``FailureReport``).
    func reportingFailures(storePath: String?, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw FailureReport.report(error, storePath: storePath)
        }
    }

    /// Runs `body`; a failure becomes one line on standard error and its exit code (``FailureReport``).
    func reportingFailures(storePath: String?, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw FailureReport.report(error, storePath: storePath)
        }
    }
}
