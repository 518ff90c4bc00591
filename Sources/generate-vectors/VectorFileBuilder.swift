import Foundation
import UncordConformance
import UncordCrypto

/// One vector file being built: cases are numbered from 1 in the order they are added.
struct VectorFileBuilder {
    let family: String
    let source: String
    private(set) var cases: [[String: JSONValue]] = []

    init(family: String, source: String) {
        self.family = family
        self.source = source
    }

    /// Adds a case; `id` and `result` are filled in.
    mutating func add(_ comment: String, valid: Bool = true, _ fields: [String: JSONValue]) {
        var fields = fields
        fields["id"] = .integer(Int64(cases.count + 1))
        fields["comment"] = .string(comment)
        fields["result"] = .string(valid ? "valid" : "invalid")
        cases.append(fields)
    }

    func encoded() throws -> Data {
        let object: JSONValue = .object([
            "protocol": .string("UEDM/1"),
            "family": .string(family),
            "source": .string(source),
            "cases": .array(cases.map(JSONValue.object)),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(object) + Data("\n".utf8)
    }
}

extension JSONValue {
    /// Bytes as a lowercase hex string.
    static func hex(_ bytes: some ContiguousBytes) -> JSONValue { .string(Hex.encode(bytes)) }
}

/// `[UInt8]` from hex written in the generator's source; the literals are checked by the generator's own run.
func bytes(_ hex: String) throws -> [UInt8] { try Hex.decode(hex) }
