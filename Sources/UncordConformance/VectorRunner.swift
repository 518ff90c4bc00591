public import Foundation

/// Runs UEDM/1 test-vector files (`Docs/VECTORS.md`): every `*.json` below a directory, every case.
///
/// A file that cannot be parsed, or whose family is unknown, counts as one failure — never a skip.
///
/// ```swift
/// let report = VectorRunner.verify(directory: URL(fileURLWithPath: "Vectors"))
/// for line in report.failureLines { print(line) }
/// print(report.summary)   // "412 passed, 0 failed"
/// ```
public enum VectorRunner {
    /// The families this build runs, by name.
    public static let families: [String: @Sendable (VectorCase) throws(VectorFailure) -> Void] = [
        "hkdf": HKDFFamily.run,
        "x25519": X25519Family.run,
        "xeddsa": XEdDSAFamily.run,
        "spk_signature": SPKSignatureFamily.run,
        "frame": FrameFamily.run,
        "x3dh": X3DHFamily.run,
        "ratchet": RatchetFamily.run,
        "envelope": EnvelopeFamily.run,
        "safety_number": SafetyNumberFamily.run,
        "link": LinkFamily.run,
        "device_authorization": DeviceAuthorizationFamily.run,
    ]

    /// Runs every `*.json` file below `directory`, in path order.
    public static func verify(directory: URL) -> VectorReport {
        var report = VectorReport()
        let files: [URL]
        do {
            files = try vectorFiles(in: directory)
        } catch {
            report.failures.append(.init(file: directory.path, caseID: nil, reason: "cannot list directory: \(error)"))
            return report
        }
        if files.isEmpty {
            report.failures.append(.init(file: directory.path, caseID: nil, reason: "no *.json vector files found"))
        }
        for file in files {
            let name = relativePath(of: file, in: directory)
            do {
                report.merge(verify(json: try Data(contentsOf: file), fileName: name))
            } catch {
                report.failures.append(.init(file: name, caseID: nil, reason: "cannot read: \(error)"))
            }
        }
        return report
    }

    /// Runs one vector file's text. `fileName` only labels failure lines.
    public static func verify(json data: Data, fileName: String) -> VectorReport {
        var report = VectorReport()
        let file: VectorFile
        do {
            file = try JSONDecoder().decode(VectorFile.self, from: data)
        } catch {
            report.failures.append(.init(file: fileName, caseID: nil, reason: "not a vector file: \(describe(error))"))
            return report
        }
        guard file.protocol == "UEDM/1" else {
            report.failures.append(.init(file: fileName, caseID: nil, reason: "protocol is not UEDM/1"))
            return report
        }
        guard let run = families[file.family] else {
            report.failures.append(.init(file: fileName, caseID: nil, reason: "unknown family \"\(file.family)\""))
            return report
        }
        for fields in file.cases {
            let vectorCase = VectorCase(fields: fields)
            do {
                try run(vectorCase)
                report.passed += 1
            } catch {
                report.failures.append(.init(file: fileName, caseID: vectorCase.id, reason: error.reason))
            }
        }
        return report
    }

    /// A short account of a decoding error: which field, what was wrong.
    private static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?: return "wrong type at \(path(context.codingPath))"
        case .valueNotFound(_, let context)?: return "null at \(path(context.codingPath))"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath))"
        default: return "\(error)"
        }
    }

    private static func vectorFiles(in directory: URL) throws -> [URL] {
        let keys: [URLResourceKey] = [.isRegularFileKey]
        guard FileManager.default.fileExists(atPath: directory.path),
            let walker = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
        else {
            throw CocoaError(.fileReadNoSuchFile)
        }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            if try url.resourceValues(forKeys: Set(keys)).isRegularFile == true { files.append(url) }
        }
        return files.sorted { $0.path < $1.path }
    }

    private static func relativePath(of file: URL, in directory: URL) -> String {
        let base = directory.standardizedFileURL.path
        let path = file.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}

/// The outer object of a vector file.
struct VectorFile: Decodable {
    let `protocol`: String
    let family: String
    let cases: [[String: JSONValue]]
}

/// What a run found.
public struct VectorReport: Sendable, Equatable {
    /// One failing case (or a whole file that could not be run, with no case id).
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        /// The file, relative to the directory that was run.
        public var file: String
        /// The case id, or `nil` when the whole file failed.
        public var caseID: String?
        /// Why it failed.
        public var reason: String

        public var description: String {
            caseID.map { "\(file): case \($0): \(reason)" } ?? "\(file): \(reason)"
        }
    }

    /// Cases that passed.
    public var passed = 0
    /// Cases (or files) that failed.
    public var failures: [Failure] = []

    /// Creates an empty report.
    public init() {}

    /// Number of failures.
    public var failed: Int { failures.count }

    /// The closing line: `N passed, N failed`.
    public var summary: String { "\(passed) passed, \(failed) failed" }

    /// Adds another report's counts and failures to this one.
    public mutating func merge(_ other: VectorReport) {
        passed += other.passed
        failures += other.failures
    }
}
