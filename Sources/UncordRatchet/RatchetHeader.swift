public import UncordCrypto

/// A Double Ratchet message header (41 bytes): `0x01 || DHs.pub (32) || u32be(PN) || u32be(N)`.
public struct RatchetHeader: Sendable, Hashable {
    /// The header's version byte.
    public static let version: UInt8 = 0x01
    /// The encoded size.
    public static let byteCount = 41

    /// The sender's current ratchet public key.
    public var ratchetKey: X25519.PublicKey
    /// `PN`: how many messages the sender sent in its previous sending chain.
    public var previousChainLength: UInt32
    /// `N`: this message's number in the current sending chain.
    public var messageNumber: UInt32

    /// A header from its fields.
    public init(ratchetKey: X25519.PublicKey, previousChainLength: UInt32, messageNumber: UInt32) {
        self.ratchetKey = ratchetKey
        self.previousChainLength = previousChainLength
        self.messageNumber = messageNumber
    }

    /// Reads exactly 41 bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(RatchetError) {
        let bytes = Array(bytes)
        guard bytes.count == Self.byteCount else {
            throw .malformed("a ratchet header is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        guard bytes[0] == Self.version else { throw .malformed("unknown ratchet header version \(bytes[0])") }
        ratchetKey = try RatchetError.wrapping { () throws(CryptoError) in try X25519.PublicKey(bytes: bytes[1..<33]) }
        previousChainLength = UInt32(bigEndianBytes: bytes[33..<37])
        messageNumber = UInt32(bigEndianBytes: bytes[37..<41])
    }

    /// Writes the 41 encoded bytes at the start of `buffer` (at least 41 bytes long).
    func write(into buffer: UnsafeMutableRawBufferPointer) {
        buffer[0] = Self.version
        ratchetKey.bytes.withUnsafeBytes {
            UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0)
        }
        buffer.storeBytes(of: previousChainLength.bigEndian, toByteOffset: 33, as: UInt32.self)
        buffer.storeBytes(of: messageNumber.bigEndian, toByteOffset: 37, as: UInt32.self)
    }

    /// The 41 encoded bytes.
    public var encoded: [UInt8] {
        [UInt8](count: Self.byteCount) { write(into: $0) }
    }
}

/// A ratchet-encrypted message: its header and `ciphertext || tag`.
public struct RatchetMessage: Sendable, Hashable {
    /// The header, authenticated as part of the associated data.
    public var header: RatchetHeader
    /// The AEAD output.
    public var ciphertext: [UInt8]

    /// A message from its parts.
    public init(header: RatchetHeader, ciphertext: [UInt8]) {
        self.header = header
        self.ciphertext = ciphertext
    }
}

extension UInt32 {
    /// Four bytes, most significant first.
    var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }

    /// Reads four bytes, most significant first.
    init(bigEndianBytes bytes: ArraySlice<UInt8>) {
        self = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
