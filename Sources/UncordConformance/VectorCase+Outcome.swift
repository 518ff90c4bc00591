extension VectorCase {
    /// Runs the operation under test and holds it to the case's `result`: a valid case must succeed (its value
    /// is returned for comparison), an invalid one must throw (`nil` is returned).
    func outcome<T>(of operation: () throws -> T) throws(VectorFailure) -> T? {
        let valid = try expectsValid()
        let value: T
        do {
            value = try operation()
        } catch let failure as VectorFailure {
            throw failure
        } catch {
            if valid { throw VectorFailure("unexpected error: \(error)") }
            return nil
        }
        if !valid { throw VectorFailure("expected the operation to fail, but it succeeded") }
        return value
    }
}
