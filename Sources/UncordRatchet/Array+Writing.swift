extension Array where Element == UInt8 {
    /// `count` bytes, zeroed, then written in place by `body`: one allocation, where appending part after part
    /// reallocates as the array grows.
    init<E: Error>(count: Int, writing body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        self.init(repeating: 0, count: count)
        var failure: E?
        withUnsafeMutableBytes { bytes in
            do throws(E) { try body(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
