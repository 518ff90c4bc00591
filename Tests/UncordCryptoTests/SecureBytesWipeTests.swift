import Testing
import UncordCrypto

/// Issue 9, item 4: `SecureBytes` wipes its bytes when the last copy is released.
///
/// The proof reads the freed allocation right after the release, before anything else on this thread allocates
/// (glibc keeps a freed chunk in the thread's own cache and writes only its first 16 bytes), so what it finds is
/// what the release left there. A control shows the method can see bytes left behind: a plain allocation freed
/// without wiping still holds them.
@Suite("SecureBytes wiping")
struct SecureBytesWipeTests {
    static let size = 512
    static let pattern: UInt8 = 0xa5

    /// The bytes 16..<size at `base`, read into `scratch` (allocated beforehand, of another size class).
    static func read(_ base: UnsafeRawPointer, into scratch: inout [UInt8]) {
        for offset in 16..<size { scratch[offset] = base.load(fromByteOffset: offset, as: UInt8.self) }
    }

    static func holdsPattern(_ scratch: [UInt8]) -> Bool { scratch[16..<size].allSatisfy { $0 == pattern } }
    static func isWiped(_ scratch: [UInt8]) -> Bool { scratch[16..<size].allSatisfy { $0 == 0 } }

    @Test("Control: freed memory that was not wiped still holds its bytes")
    func control() {
        var scratch = [UInt8](repeating: 1, count: 4096)
        let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.size, alignment: 16)
        plain.initializeMemory(as: UInt8.self, repeating: Self.pattern)
        let base = UnsafeRawPointer(plain.baseAddress)
        plain.deallocate()
        if let base { Self.read(base, into: &scratch) }
        #expect(Self.holdsPattern(scratch), "this allocator overwrites freed memory, so a wipe cannot be observed")
    }

    @Test("The last release wipes the bytes; an earlier copy's release does not")
    func wipedOnLastRelease() throws {
        var scratch = [UInt8](repeating: 1, count: 4096)
        var base: UnsafeRawPointer?
        var copy: SecureBytes?
        do {
            let secret = SecureBytes(copying: [UInt8](repeating: Self.pattern, count: Self.size))
            secret.withUnsafeBytes { base = $0.baseAddress }
            copy = secret
        }
        let address = try #require(base)
        Self.read(address, into: &scratch)
        #expect(Self.holdsPattern(scratch), "a copy still holds the secret")
        copy = nil
        Self.read(address, into: &scratch)
        #expect(copy == nil)
        #expect(Self.isWiped(scratch), "the released bytes were not wiped")
    }

    @Test("A slice is a secret of its own, wiped on its own release")
    func sliceWiped() throws {
        var scratch = [UInt8](repeating: 1, count: 4096)
        let whole = SecureBytes(copying: [UInt8](repeating: Self.pattern, count: Self.size + 64))
        var base: UnsafeRawPointer?
        do {
            let slice = whole.slice(0..<Self.size)
            slice.withUnsafeBytes { base = $0.baseAddress }
        }
        Self.read(try #require(base), into: &scratch)
        #expect(Self.isWiped(scratch))
        #expect(whole.count == Self.size + 64)
    }

    @Test("A private key's secret is wiped with the key")
    func privateKeyWiped() throws {
        var base: UnsafeRawPointer?
        var before = [UInt8](repeating: 0, count: 32)
        do {
            let key = X25519.PrivateKey.generate(using: SystemRandom())
            key.secret.withUnsafeBytes { raw in
                base = raw.baseAddress
                for index in 0..<32 { before[index] = raw[index] }
            }
        }
        let address = try #require(base)
        var after = [UInt8](repeating: 1, count: 32)
        for index in 16..<32 { after[index] = address.load(fromByteOffset: index, as: UInt8.self) }
        #expect(before[16..<32].contains { $0 != 0 }, "the key had secret bytes")
        #expect(after[16..<32].allSatisfy { $0 == 0 }, "the key's secret was not wiped")
    }
}

/// `SecureBytes.replace(with:)`: in place only when no other copy shares the buffer.
@Suite("SecureBytes replacement")
struct SecureBytesReplaceTests {
    @Test("A sole copy is overwritten in place; a shared one gets a buffer of its own and its copies keep theirs")
    func replace() {
        let next = [UInt8](repeating: 0x02, count: 32)
        var sole = SecureBytes(copying: [UInt8](repeating: 0x01, count: 32))
        let soleBase = sole.withUnsafeBytes { $0.baseAddress }
        next.withUnsafeBytes { sole.replace(with: $0) }
        #expect(sole.withUnsafeBytes { $0.baseAddress } == soleBase)
        #expect(sole.exportBytes() == next)

        var shared = SecureBytes(copying: [UInt8](repeating: 0x01, count: 32))
        let copy = shared
        next.withUnsafeBytes { shared.replace(with: $0) }
        #expect(shared.exportBytes() == next)
        #expect(copy.exportBytes() == [UInt8](repeating: 0x01, count: 32))
        #expect(shared.withUnsafeBytes { $0.baseAddress } != copy.withUnsafeBytes { $0.baseAddress })

        var shorter = SecureBytes(copying: [UInt8](repeating: 0x01, count: 32))
        [UInt8](repeating: 0x03, count: 16).withUnsafeBytes { shorter.replace(with: $0) }
        #expect(shorter.exportBytes() == [UInt8](repeating: 0x03, count: 16))
    }
}
