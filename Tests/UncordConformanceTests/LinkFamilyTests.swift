import Foundation
import Testing
import UncordConformance

/// The `link` family's runner: a changed expectation, a wrong refusal note or a case turned around must fail.
@Suite("Conformance runner: link")
struct LinkFamilyTests {
    static let url = VectorRunnerTests.vectorsDirectory.appendingPathComponent("link.json")

    /// The cases of `Vectors/link.json`.
    static func cases() throws -> [[String: JSONValue]] {
        let file = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: url))
        guard case .array(let items) = file["cases"] else { throw CocoaError(.fileReadCorruptFile) }
        return items.compactMap { item in
            if case .object(let fields) = item { fields } else { nil }
        }
    }

    static func run(_ cases: [[String: JSONValue]]) throws -> VectorReport {
        let file: JSONValue = .object([
            "protocol": .string("UEDM/1"), "family": .string("link"), "source": .string("test"),
            "cases": .array(cases.map(JSONValue.object)),
        ])
        return VectorRunner.verify(json: try JSONEncoder().encode(file), fileName: "t.json")
    }

    @Test("The file has request, opened and refused cases, every refusal named")
    func shape() throws {
        let cases = try Self.cases()
        let requests = cases.filter { $0["device_id"] != nil }
        let opened = cases.filter { $0["device_id"] == nil && $0["result"] == .string("valid") }
        let refused = cases.filter { $0["result"] == .string("invalid") }
        #expect(requests.count >= 4 && opened.count >= 4 && refused.count >= 15)
        let checks = Set(refused.compactMap { if case .string(let check) = $0["refusal"] { check } else { nil } })
        #expect(refused.allSatisfy { $0["refusal"] != nil })
        #expect(
            checks == [
                "request_version", "request_length", "response_version", "response_length", "ephemeral_key",
                "all_zero_dh", "tag", "payload", "identity_key",
            ])
        #expect(try Self.run(cases).failed == 0)
    }

    @Test("A changed payload, code, text or link code fails its case")
    func changedExpectations() throws {
        let cases = try Self.cases()
        let request = try #require(cases.first { $0["device_id"] != nil })
        let response = try #require(cases.first { $0["device_id"] == nil && $0["result"] == .string("valid") })
        func changed(_ fields: [String: JSONValue], _ key: String, _ value: JSONValue) -> [String: JSONValue] {
            var fields = fields
            fields[key] = value
            return fields
        }
        guard case .string(let payload) = response["payload"], case .string(let text) = request["text"] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let variants = [
            changed(request, "link_code", .string("000000")),
            changed(request, "text", .string(text + "A")),
            changed(response, "confirmation_code", .string("999999")),
            changed(response, "payload", .string(String(payload.dropLast(2)))),
            changed(response, "result", .string("invalid")),
        ]
        for variant in variants {
            #expect(try Self.run([variant]).failed == 1)
        }
    }

    @Test("A refused case with another refusal note, or turned valid, fails")
    func refusalNotes() throws {
        let cases = try Self.cases()
        for fields in cases where fields["result"] == .string("invalid") {
            var wrong = fields
            wrong["refusal"] = .string(fields["refusal"] == .string("tag") ? "payload" : "tag")
            let report = try Self.run([wrong])
            #expect(report.failed == 1)
            #expect(report.failures.first?.reason.contains("expected") == true)
            var valid = fields
            valid["result"] = .string("valid")
            #expect(try Self.run([valid]).failed == 1)
        }
    }
}
