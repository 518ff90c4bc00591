import CFuzzer

/// What every fuzz target shares: libFuzzer's driver as the program's entry point, the input as bytes, and the
/// property check that ends the run — libFuzzer then saves the input as a crash — when a property does not hold.
///
/// ```swift
/// @_cdecl("LLVMFuzzerTestOneInput")
/// public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
///     let bytes = Fuzz.bytes(data, size)
///     Fuzz.check(decode(encode(bytes)) == bytes, "round trip")
///     return 0
/// }
/// ```
public enum Fuzz {
    /// The function libFuzzer calls with each input.
    public typealias TestFunction = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer's driver over `test` with the program's arguments; the executable's `main`.
    public static func main(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, test: TestFunction
    ) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, test)
    }

    /// The input as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Stops the run with `message` when `condition` is false: a property of the code under test failed.
    public static func check(
        _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition { fatalError("property failed: \(message())", file: file, line: line) }
    }

    /// Stops the run: a property of the code under test failed.
    public static func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        fatalError("property failed: \(message)", file: file, line: line)
    }
}
