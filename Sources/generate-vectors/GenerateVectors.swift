import Foundation
import UncordCrypto

/// Writes the UEDM/1 vector files into `Vectors/` (or the directory given as the only argument).
///
/// Expected values come from RFCs where one exists (named in each file's `source`), otherwise from this
/// package's own code — which is why `Vectors/check/` recomputes every one of them with independent Python
/// libraries. Randomness is seeded, so a regeneration writes the same bytes. Tests never run this.
@main
struct GenerateVectors {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        let directory = URL(fileURLWithPath: arguments.first ?? "Vectors", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files: [VectorFileBuilder] = [
            try HKDFVectors.build(),
            try X25519Vectors.build(),
            try XEdDSAVectors.build(),
            try SPKSignatureVectors.build(),
            try FrameVectors.build(),
            try X3DHVectors.build(),
            try RatchetVectors.build(),
            try EnvelopeVectors.build(),
            try SafetyNumberVectors.build(),
            try LinkVectors.build(),
            try DeviceAuthorizationVectors.build(),
        ]
        for file in files {
            let url = directory.appendingPathComponent("\(file.family).json")
            try file.encoded().write(to: url)
            print("wrote \(url.path): \(file.cases.count) cases")
        }
    }
}

/// Thrown when the generator's own checks disagree with a case it is about to write.
struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
