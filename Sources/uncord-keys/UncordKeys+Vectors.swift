import ArgumentParser
import Foundation
import UncordConformance

extension UncordKeys {
    /// `uncord-keys vectors …`
    struct Vectors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run UEDM/1 conformance test vectors.",
            subcommands: [Verify.self]
        )
    }
}

extension UncordKeys.Vectors {
    /// `uncord-keys vectors verify DIR`: runs every vector file below DIR.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every *.json vector file below a directory; print each failing case and a summary.",
            discussion: "Exits 0 only when every case passed. An unreadable file or an unknown family is a failure."
        )

        @Argument(help: "The directory holding the vector files.", completion: .directory)
        var directory: String

        func run() throws {
            let report = VectorRunner.verify(directory: URL(fileURLWithPath: directory))
            for failure in report.failures { print(failure) }
            print(report.summary)
            if report.failed > 0 { throw ExitCode.failure }
        }
    }
}
