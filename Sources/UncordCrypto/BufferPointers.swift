/// C functions want a valid pointer even for zero-length input; these give one without force unwrapping.
extension UnsafeRawBufferPointer {
    /// The first byte, or a static zero byte when the buffer is empty.
    var bytes: UnsafePointer<UInt8> {
        baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(emptyByte)
    }
}

extension UnsafeMutableRawBufferPointer {
    /// The first byte, or a static scratch byte when the buffer is empty (nothing is written to it then).
    var bytes: UnsafeMutablePointer<UInt8> {
        baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyByte
    }
}

/// One byte that stands in for the base address of empty buffers.
// nonisolated(unsafe): only ever passed with a length of zero, so nothing reads or writes through it.
private nonisolated(unsafe) let emptyByte: UnsafeMutablePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()
