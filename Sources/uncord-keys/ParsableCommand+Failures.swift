import ArgumentParser
import Foundation
import UncordStore

extension ParsableCommand {
    /// Runs `body` and turns any failure into one line on standard error, `error: …`, and exit code 1 — never a
    /// stack trace. Usage errors never get here: ArgumentParser reports them with the usage.
    func reportingFailures(storePath: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            let line: String
            switch error {
            case let error as CLIError: line = error.description
            case let error as StoreError: line = CLIError.store(error, path: storePath).description
            default: line = "\(error)"
            }
            FileHandle.standardError.write(Data("error: \(line)\n".utf8))
            throw ExitCode.failure
        }
    }
}
