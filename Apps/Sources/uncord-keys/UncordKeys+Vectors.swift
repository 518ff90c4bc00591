import ArgumentParser
import Foundation
import UncordConformance

extension UncordKeys {
    /// `uncord-keys vectors …`
    struct Vectors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run UEDM/1 conformance test vectors.",
            discussion: """
                Example:
                  uncord-keys vectors verify Vectors
                """,
            subcommands: [Verify.self]
        )
    }
}

extension UncordKeys.Vectors {
    /// `uncord-keys vectors verify DIR [--json]`: runs every vector file below DIR.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every *.json vector file below a directory; print each failing case and a summary.",
            discussion: """
                Exits 0 only when every case passed (1 otherwise). An unreadable file or an unknown family is a \
                failure. With --json, prints one object: passed, failed, failures [{file, case_id?, reason}].

                Example:
                  uncord-keys vectors verify Vectors
                  uncord-keys vectors verify Vectors --json
                """
        )

        @Argument(help: "The directory holding the vector files.", completion: .directory)
        var directory: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw ValidationError("\(directory) is not a directory: give the folder that holds the vectors") }
        }

        func run() throws {
            let report = VectorRunner.verify(directory: URL(fileURLWithPath: directory))
            if json {
                try Output.json(
                    Report(
                        passed: report.passed, failed: report.failed,
                        failures: report.failures.map { .init(file: $0.file, caseID: $0.caseID, reason: $0.reason) }))
            } else {
                for failure in report.failures { print(failure) }
                print(report.summary)
            }
            if report.failed > 0 { throw FailureReport.operationalError }
        }

        /// The JSON form.
        private struct Report: Encodable {
            struct Failure: Encodable {
                var file: String
                var caseID: String?
                var reason: String
                enum CodingKeys: String, CodingKey {
                    case file, reason
                    case caseID = "case_id"
                }
            }
            var passed: Int
            var failed: Int
            var failures: [Failure]
        }
    }
}
