import Foundation
import Testing
import UncordConformance

/// The runner over the real `Vectors/` directory, and the runner's own rules (every failure counted, nothing
/// skipped).
@Suite("Conformance runner")
struct VectorRunnerTests {
    static let vectorsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors")

    static let expectedFamilies = [
        "device_authorization", "envelope", "frame", "hkdf", "link", "ratchet", "safety_number", "spk_signature",
        "x25519", "x3dh", "xeddsa",
    ]

    @Test("Every case of every file in Vectors/ passes", arguments: expectedFamilies)
    func vectorFile(family: String) throws {
        let url = Self.vectorsDirectory.appendingPathComponent("\(family).json")
        let report = VectorRunner.verify(json: try Data(contentsOf: url), fileName: "\(family).json")
        for failure in report.failures { Issue.record("\(failure)") }
        #expect(report.failed == 0)
        #expect(report.passed >= 6, "\(family).json has \(report.passed) passing cases")
    }

    @Test("The whole directory passes, with at least the required case counts")
    func wholeDirectory() {
        let report = VectorRunner.verify(directory: Self.vectorsDirectory)
        #expect(report.failed == 0, "\(report.failures)")
        #expect(report.passed >= 100)
        #expect(report.summary == "\(report.passed) passed, 0 failed")
    }

    @Test("A wrong expected value fails its case and names it")
    func wrongValueFails() {
        let json = #"""
            {"protocol":"UEDM/1","family":"hkdf","source":"test","cases":[
              {"id":1,"ikm":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","salt":"000102030405060708090a0b0c",
               "info":"f0f1f2f3f4f5f6f7f8f9","length":42,
               "okm":"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
              {"id":"two","ikm":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","salt":"000102030405060708090a0b0c",
               "info":"f0f1f2f3f4f5f6f7f8f9","length":42,
               "okm":"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185866"}]}
            """#
        let report = VectorRunner.verify(json: Data(json.utf8), fileName: "t.json")
        #expect(report.passed == 1)
        #expect(report.failures.map(\.caseID) == ["two"])
        #expect(report.failures.first?.description.hasPrefix("t.json: case two: okm mismatch") == true)
    }

    @Test("An invalid case whose operation succeeds is a failure")
    func invalidThatSucceeds() {
        let json = #"""
            {"protocol":"UEDM/1","family":"frame","source":"test","cases":[
              {"id":1,"json":"{\"op\":1}","result":"invalid"}]}
            """#
        let report = VectorRunner.verify(json: Data(json.utf8), fileName: "t.json")
        #expect(report.passed == 0 && report.failed == 1)
    }

    @Test("Unknown families, other protocols, unparsable files and missing fields all count as failures")
    func nothingIsSkipped() {
        let bad = [
            #"{"protocol":"UEDM/1","family":"quantum","source":"","cases":[{"id":1}]}"#,
            #"{"protocol":"UEDM/2","family":"hkdf","source":"","cases":[]}"#,
            #"{"protocol":"UEDM/1","family":"hkdf""#,
            #"[1,2,3]"#,
        ]
        for text in bad {
            let report = VectorRunner.verify(json: Data(text.utf8), fileName: "bad.json")
            #expect(report.failed == 1 && report.passed == 0, "\(text)")
        }
        let missing = #"{"protocol":"UEDM/1","family":"x25519","source":"","cases":[{"id":1,"private":"00"}]}"#
        let report = VectorRunner.verify(json: Data(missing.utf8), fileName: "m.json")
        #expect(report.failures.first?.reason == "field public must be a string")
    }

    @Test("A directory with no vector files, or none at all, fails")
    func emptyOrMissingDirectory() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("uedm-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(VectorRunner.verify(directory: empty).failed == 1)
        #expect(VectorRunner.verify(directory: empty.appendingPathComponent("nope")).failed == 1)
    }

    @Test("A tampered device_authorization expectation fails its case and names it")
    func tamperedDeviceAuthorization() throws {
        let url = Self.vectorsDirectory.appendingPathComponent("device_authorization.json")
        var file = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: url))
        guard case .array(let items) = file["cases"] else { throw CocoaError(.fileReadCorruptFile) }
        var cases = items.compactMap { item -> [String: JSONValue]? in
            if case .object(let fields) = item { fields } else { nil }
        }
        // Cases are picked by their shape, not their ids, so a regenerated file keeps the test meaningful.
        func index(outcome: String, send: String) throws -> Int {
            try #require(
                cases.firstIndex {
                    $0["outcome"] == .string(outcome) && $0["send"] == .string(send) && $0["own_account"] == nil
                })
        }
        let blocked = try index(outcome: "changed", send: "refused")
        cases[blocked]["send"] = .string("allowed")
        let repinned = try index(outcome: "changed", send: "allowed")
        cases[repinned]["new_key"] = cases[repinned]["pinned_key"]
        let kept = try index(outcome: "keep", send: "allowed")
        guard case .array(var devices) = cases[kept]["expected_devices"], case .object(var first) = devices.first
        else { throw CocoaError(.fileReadCorruptFile) }
        first["state"] = .string("refused")
        first["reason"] = .string("foreignIdentityKey")
        devices[0] = .object(first)
        cases[kept]["expected_devices"] = .array(devices)
        file["cases"] = .array(cases.map(JSONValue.object))

        let report = VectorRunner.verify(json: try JSONEncoder().encode(file), fileName: "t.json")
        #expect(report.failed == 3)
        #expect(report.passed == cases.count - 3)
        let reasons = Dictionary(uniqueKeysWithValues: report.failures.map { ($0.caseID ?? "", $0.reason) })
        func id(_ index: Int) -> String {
            if case .integer(let value) = cases[index]["id"] { String(value) } else { "?" }
        }
        #expect(reasons[id(blocked)] == "send: expected allowed, got refused")
        #expect(reasons[id(repinned)]?.hasPrefix("new_key mismatch") == true)
        let refusal = "device 0: expected refused (foreignIdentityKey), got authorized"
        #expect(reasons[id(kept)]?.hasPrefix(refusal) == true)
    }

    @Test("A device_authorization case with a pin that is not one must be invalid")
    func deviceAuthorizationInvalidPin() {
        let device =
            #"{"device_id":"00000000-0000-4000-8000-000000000001","identity_key":"00","spk_id":1,"#
            + #""spk_public":"00","signature":"00"}"#
        let header = #"{"protocol":"UEDM/1","family":"device_authorization","source":"test","cases":"#
        func run(_ pin: String, result: String) -> VectorReport {
            let json =
                header + #"[{"id":1,"user_id":"00000000-0000-4000-8000-000000000009",\#(pin),"policy":"warn","#
                + #""devices":[\#(device)],"#
                + #""result":"\#(result)","expected_devices":[{"device_id":"00000000-0000-4000-8000-000000000001","#
                + #""state":"refused","reason":"invalidSignedPreKeySignature"}],"outcome":"keep","send":"refused"}]}"#
            return VectorRunner.verify(json: Data(json.utf8), fileName: "t.json")
        }
        let short = #""pinned_key":"\#(String(repeating: "11", count: 31))","trust":"unverified""#
        let good = #""pinned_key":"\#(String(repeating: "11", count: 32))","trust":"unverified""#
        #expect(run(short, result: "invalid").passed == 1)
        #expect(run(short, result: "valid").failed == 1)
        #expect(run(#""pinned_key":null,"trust":"verified""#, result: "invalid").passed == 1)
        #expect(run(good, result: "valid").passed == 1)
        #expect(run(good, result: "invalid").failed == 1)
    }
}
