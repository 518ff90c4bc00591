import CSodium

/// The single doorway to libsodium: initialisation once, and one helper through which every return code passes.
enum Sodium {
    /// `sodium_init` runs exactly once per process; Swift guarantees a global's initialiser runs once, thread-safely.
    private static let initResult: Int32 = sodium_init()

    /// Makes sure libsodium is initialised. Cheap after the first call.
    @inline(__always)
    static func ensureInitialized() throws(CryptoError) {
        // 0: initialised now; 1: already initialised; -1: failure.
        if initResult < 0 { throw .libraryFailure(function: "sodium_init", code: initResult) }
    }

    /// Turns a libsodium return code into a thrown error. `0` is success; anything else becomes `failure`.
    @inline(__always)
    static func check(_ code: Int32, or failure: @autoclosure () -> CryptoError) throws(CryptoError) {
        if code != 0 { throw failure() }
    }

    /// Checks the return code of a call libsodium documents as always succeeding (hashing, HMAC, scalar
    /// multiplication of a clamped scalar). Verified in debug builds; free in release builds.
    @inline(__always)
    static func infallible(_ code: Int32, _ function: StaticString) {
        assert(code == 0, "libsodium \(function) failed with code \(code)")
    }

    /// Checks a return code whose failure can only mean libsodium itself failed.
    @inline(__always)
    static func check(_ code: Int32, _ function: StaticString) throws(CryptoError) {
        if code != 0 { throw .libraryFailure(function: "\(function)", code: code) }
    }
}
