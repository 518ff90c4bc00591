/// A coding key made at run time: an array index, or a name no `CodingKeys` enum spells.
struct WireCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    /// The key of element `index` of an array.
    static func index(_ index: Int) -> WireCodingKey {
        WireCodingKey(intValue: index)
    }

    /// The key `super`, as `superDecoder()` and `superEncoder()` use it.
    static let superKey = WireCodingKey(stringValue: "super")
}

extension Array where Element == any CodingKey {
    /// The path in the form errors show it: `devices[1].identity_key`.
    var wirePath: String {
        var path = ""
        for key in self {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }
}
