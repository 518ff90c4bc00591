/// The success body of every Uncord REST answer that has one: `{"data": value}`.
///
/// ```swift
/// let devices = try WireJSON.decode(DataEnvelope<[Device]>.self, from: body).data
/// ```
public struct DataEnvelope<Value> {
    /// The answer's value.
    public var data: Value

    /// Wraps `data`.
    public init(data: Value) {
        self.data = data
    }
}

extension DataEnvelope: Sendable where Value: Sendable {}
extension DataEnvelope: Equatable where Value: Equatable {}
extension DataEnvelope: Decodable where Value: Decodable {}
extension DataEnvelope: Encodable where Value: Encodable {}
