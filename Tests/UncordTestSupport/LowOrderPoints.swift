import Foundation
import UncordCrypto

/// The Curve25519 public keys of small order (and their non-canonical encodings) that `Vectors/x25519.json` lists as
/// "low-order input": the one source of them for every test that needs a key no honest device can have.
public enum LowOrderPoints {
    /// Every low-order input of the vector file, in its order.
    public static let all: [[UInt8]] = cases.map(\.key)

    /// u = 0, the point of order 2.
    public static let zero = point("u = 0,")
    /// u = 1, a point of order 4.
    public static let one = point("u = 1,")
    /// The first point of order 8.
    public static let orderEight = point("order 8 point")
    /// u = p = 2^255 − 19, a non-canonical encoding of 0.
    public static let p = point("u = p,")

    /// The low-order inputs with their comments, read once from `Vectors/x25519.json`.
    private static let cases: [(comment: String, key: [UInt8])] = {
        // Tests/UncordTestSupport/LowOrderPoints.swift → the repository's Vectors/.
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Vectors/x25519.json")
        guard let data = try? Data(contentsOf: file),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = root["cases"] as? [[String: Any]]
        else { preconditionFailure("cannot read \(file.path)") }
        return entries.compactMap { entry in
            guard let comment = entry["comment"] as? String, comment.hasPrefix("low-order input"),
                let hex = entry["public"] as? String, let key = try? Hex.decode(hex)
            else { return nil }
            return (comment, key)
        }
    }()

    /// The first low-order input whose comment contains `fragment`.
    private static func point(_ fragment: String) -> [UInt8] {
        guard let found = cases.first(where: { $0.comment.contains(fragment) }) else {
            preconditionFailure("Vectors/x25519.json has no low-order input \"\(fragment)\"")
        }
        return found.key
    }
}
