public import UncordCrypto

// Persistence of ratchet and session state. The encodings are versioned, secret (they hold root, chain and
// private keys, so they come back as SecureBytes and stores must seal them), and leave the skipped message keys
// out: a store keeps those as rows of their own and hands them back on load.

extension DoubleRatchet {
    /// One stored skipped message key, as a store keeps it.
    public struct SkippedKey: Sendable, Equatable {
        /// The sender's ratchet key of the chain the key belongs to.
        public var ratchetKey: X25519.PublicKey
        /// The message number in that chain.
        public var messageNumber: UInt32
        /// The message key (32 bytes).
        public var key: SecureBytes
        /// Its place in the eviction order: lower is older.
        public var order: UInt64

        /// A skipped key from its parts.
        public init(ratchetKey: X25519.PublicKey, messageNumber: UInt32, key: SecureBytes, order: UInt64) {
            self.ratchetKey = ratchetKey
            self.messageNumber = messageNumber
            self.key = key
            self.order = order
        }
    }

    /// Version 2 adds the sending key's public half (so a load makes no scalar multiplication) and the number of
    /// stored skipped keys (so a store can load a state for one step without its skipped keys); version 1 is still
    /// read.
    static let encodingVersion: UInt8 = 2

    /// The skipped message keys in memory, oldest first: every key, except for a state loaded for one step
    /// (``init(encodedState:probing:probeKey:)``), which holds only those inserted since.
    public var skippedKeys: [SkippedKey] { skipped.all }

    /// For a state loaded for one step, the changes to make to the store's skipped-key rows; `nil` for a state that
    /// holds all its skipped keys.
    public var storedSkippedKeyChanges: StoredSkippedKeyChanges? {
        skipped.storedChanges.map {
            StoredSkippedKeyChanges(
                removed: $0.removed.map { ($0.ratchetKey, $0.messageNumber) }, evictOldest: $0.evictOldest,
                inserted: $0.inserted)
        }
    }

    /// What one step did to the skipped-key rows of a store, to apply in this order: delete `removed`, delete the
    /// `evictOldest` rows of lowest eviction order, insert `inserted`.
    public struct StoredSkippedKeyChanges: Sendable {
        /// The row of the key that decrypted this step's message (ratchet key, message number).
        public var removed: (ratchetKey: X25519.PublicKey, messageNumber: UInt32)?
        /// How many of the oldest remaining rows were evicted.
        public var evictOldest: Int
        /// Keys skipped this step, oldest first.
        public var inserted: [SkippedKey]
    }

    /// The state without its skipped keys, versioned and secret.
    public func encodedState() -> SecureBytes {
        var writer = StateWriter()
        writer.byte(Self.encodingVersion)
        writer.lengthPrefixed(associatedData)
        writer.secret(rootKey)
        writer.secret(sendingKey.secret)
        writer.bytes(sendingKey.publicKey.bytes)
        writer.byte((remoteKey == nil ? 0 : 1) | (sendingChain == nil ? 0 : 2) | (receivingChain == nil ? 0 : 4))
        if let remoteKey { writer.bytes(remoteKey.bytes) }
        if let sendingChain { writer.secret(sendingChain) }
        if let receivingChain { writer.secret(receivingChain) }
        writer.u32(sendCount)
        writer.u32(receiveCount)
        writer.u32(previousSendCount)
        writer.u64(skipped.insertionCounter)
        writer.u32(UInt32(skipped.count))
        return writer.finish()
    }

    /// Rebuilds a state from ``encodedState()`` and the skipped keys stored beside it.
    /// - Throws: ``RatchetError/malformed(_:)`` for bytes that are not such a state.
    public init(encodedState: SecureBytes, skippedKeys: [SkippedKey]) throws(RatchetError) {
        var reader = StateReader(encodedState)
        try self.init(reading: &reader)
        skipped = try SkippedMessageKeys(restoring: skippedKeys, insertionCounter: try reader.u64())
        if reader.version >= 2 { _ = try reader.u32() }
        try reader.end()
    }

    /// Rebuilds a state for one step without loading its skipped keys: `probe` is the index (ratchet key, message
    /// number) a received header names and `probeKey` its stored key, if the store has one; `nil` for a send. The
    /// state then serves exactly that step, and ``storedSkippedKeyChanges`` says what to write back. Returns `nil`
    /// for a state saved before version 2, which does not record how many keys are stored: load that one whole.
    /// - Throws: ``RatchetError/malformed(_:)`` for bytes that are not such a state.
    public init?(
        encodedState: SecureBytes, probing probe: (ratchetKey: X25519.PublicKey, messageNumber: UInt32)?,
        probeKey: SecureBytes?
    ) throws(RatchetError) {
        var reader = StateReader(encodedState)
        try self.init(reading: &reader)
        let insertionCounter = try reader.u64()
        guard reader.version >= 2 else { return nil }
        let count = Int(try reader.u32())
        guard count <= SkippedMessageKeys.capacity, probeKey == nil || probeKey?.count == 32 else {
            throw .malformed("stored skipped key count")
        }
        try reader.end()
        skipped = SkippedMessageKeys(
            storedCount: count, insertionCounter: insertionCounter,
            probe: probe.map { SkippedMessageKeys.Index(ratchetKey: $0.ratchetKey, messageNumber: $0.messageNumber) },
            probeKey: probeKey)
    }

    /// Reads every field up to the skipped keys' insertion counter.
    private init(reading reader: inout StateReader) throws(RatchetError) {
        let version = try reader.byte()
        guard version == 1 || version == Self.encodingVersion else { throw .malformed("unknown ratchet state version") }
        reader.version = version
        let associatedData = try reader.lengthPrefixed()
        let rootKey = try reader.secret(32)
        let secret = try reader.secret(32)
        let sendingKey: X25519.PrivateKey
        if version >= 2 {
            let publicKey = try reader.publicKey()
            sendingKey = try RatchetError.wrapping { () throws(CryptoError) in
                try X25519.PrivateKey(secret: secret, storedPublicKey: publicKey)
            }
        } else {
            sendingKey = try RatchetError.wrapping { () throws(CryptoError) in try X25519.PrivateKey(secret: secret) }
        }
        let flags = try reader.byte()
        guard flags & ~7 == 0 else { throw .malformed("ratchet state flags") }
        let remote = flags & 1 == 0 ? nil : try reader.publicKey()
        let sendingChain = flags & 2 == 0 ? nil : try reader.secret(32)
        let receivingChain = flags & 4 == 0 ? nil : try reader.secret(32)
        self.init(associatedData: associatedData, rootKey: rootKey, sendingKey: sendingKey)
        remoteKey = remote
        self.sendingChain = sendingChain
        self.receivingChain = receivingChain
        sendCount = try reader.u32()
        receiveCount = try reader.u32()
        previousSendCount = try reader.u32()
    }
}

extension Session {
    static let encodingVersion: UInt8 = 1

    /// The session without its skipped keys (``DoubleRatchet/skippedKeys`` holds those), versioned and secret.
    public func encodedState() -> SecureBytes {
        var writer = StateWriter()
        writer.byte(Self.encodingVersion)
        writer.bytes(peerIdentity.bytes)
        writer.bytes(baseKey.bytes)
        writer.byte(initiatedLocally ? 1 : 0)
        if let pendingPreKey {
            writer.byte(1)
            writer.bytes(pendingPreKey.identityKey.bytes)
            writer.bytes(pendingPreKey.ephemeralKey.bytes)
            writer.u32(pendingPreKey.signedPreKeyID)
            writer.u32(pendingPreKey.oneTimePreKeyID ?? 0)
        } else {
            writer.byte(0)
        }
        writer.secret(ratchet.encodedState())
        return writer.finish()
    }

    /// Rebuilds a session for one step without its skipped keys (see
    /// ``DoubleRatchet/init(encodedState:probing:probeKey:)``); `nil` for a state that must be loaded whole.
    public init?(
        encodedState: SecureBytes, probing probe: (ratchetKey: X25519.PublicKey, messageNumber: UInt32)?,
        probeKey: SecureBytes?
    ) throws(RatchetError) {
        var reader = StateReader(encodedState)
        let fields = try Self.readFields(&reader)
        guard let ratchet = try DoubleRatchet(encodedState: try reader.rest(), probing: probe, probeKey: probeKey)
        else { return nil }
        self.init(
            ratchet: ratchet, peerIdentity: fields.peerIdentity, baseKey: fields.baseKey,
            initiatedLocally: fields.initiatedLocally, pendingPreKey: fields.pending)
    }

    /// Rebuilds a session from ``encodedState()`` and its stored skipped keys.
    public init(encodedState: SecureBytes, skippedKeys: [DoubleRatchet.SkippedKey]) throws(RatchetError) {
        var reader = StateReader(encodedState)
        let fields = try Self.readFields(&reader)
        let ratchet = try DoubleRatchet(encodedState: try reader.rest(), skippedKeys: skippedKeys)
        self.init(
            ratchet: ratchet, peerIdentity: fields.peerIdentity, baseKey: fields.baseKey,
            initiatedLocally: fields.initiatedLocally, pendingPreKey: fields.pending)
    }

    /// The fields before the ratchet state.
    private static func readFields(_ reader: inout StateReader) throws(RatchetError) -> (
        peerIdentity: X25519.PublicKey, baseKey: X25519.PublicKey, initiatedLocally: Bool,
        pending: KeyWrap.PreKeyFields?
    ) {
        guard try reader.byte() == Self.encodingVersion else { throw .malformed("unknown session state version") }
        let peerIdentity = try reader.publicKey()
        let baseKey = try reader.publicKey()
        let initiatedLocally = try reader.flag()
        var pending: KeyWrap.PreKeyFields?
        if try reader.flag() {
            let identity = try reader.publicKey()
            let ephemeral = try reader.publicKey()
            let spk = try reader.u32()
            let opk = try reader.u32()
            pending = .init(
                identityKey: identity, ephemeralKey: ephemeral, signedPreKeyID: spk,
                oneTimePreKeyID: opk == 0 ? nil : opk)
        }
        return (peerIdentity, baseKey, initiatedLocally, pending)
    }
}

/// Builds an encoding in a plain buffer and hands it over as SecureBytes, wiping the buffer.
struct StateWriter {
    /// Room for a whole session state (about 470 bytes), so the buffer is never reallocated: a reallocation would
    /// free a copy of the secrets without wiping it.
    private var buffer: [UInt8] = {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1024)
        return buffer
    }()

    mutating func byte(_ value: UInt8) { buffer.append(value) }
    mutating func bytes(_ value: [UInt8]) { buffer += value }
    mutating func secret(_ value: SecureBytes) { value.withUnsafeBytes { buffer.append(contentsOf: $0) } }
    mutating func u32(_ value: UInt32) { buffer += value.bigEndianBytes }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { buffer += $0 } }
    mutating func lengthPrefixed(_ value: [UInt8]) {
        u32(UInt32(value.count))
        buffer += value
    }

    mutating func finish() -> SecureBytes {
        let out = SecureBytes(copying: buffer)
        buffer.withUnsafeMutableBytes { raw in
            for index in raw.indices { raw[index] = 0 }
        }
        return out
    }
}

/// Reads an encoding back; every read checks the remaining length, so bad bytes throw, never trap.
struct StateReader {
    private let source: SecureBytes
    private var offset = 0
    /// The version byte of the encoding being read, once known.
    var version: UInt8 = 0

    init(_ source: SecureBytes) { self.source = source }

    private mutating func take(_ count: Int) throws(RatchetError) -> Range<Int> {
        guard count >= 0, source.count - offset >= count else { throw .malformed("stored state is truncated") }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func byte() throws(RatchetError) -> UInt8 {
        let at = try take(1).lowerBound
        return source.withUnsafeBytes { $0[at] }
    }
    mutating func flag() throws(RatchetError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw .malformed("stored state flag")
        }
    }
    /// Plain bytes (public keys, counters, the associated data), copied straight out of the source.
    mutating func bytes(_ count: Int) throws(RatchetError) -> [UInt8] {
        let range = try take(count)
        return source.withUnsafeBytes { Array($0[range]) }
    }
    mutating func secret(_ count: Int) throws(RatchetError) -> SecureBytes { source.slice(try take(count)) }
    mutating func publicKey() throws(RatchetError) -> X25519.PublicKey {
        let bytes = try bytes(32)
        return try RatchetError.wrapping { () throws(CryptoError) in try X25519.PublicKey(bytes: bytes) }
    }
    mutating func u32() throws(RatchetError) -> UInt32 {
        let range = try take(4)
        return source.withUnsafeBytes { $0[range].reduce(0) { $0 << 8 | UInt32($1) } }
    }
    mutating func u64() throws(RatchetError) -> UInt64 {
        let range = try take(8)
        return source.withUnsafeBytes { $0[range].reduce(0) { $0 << 8 | UInt64($1) } }
    }
    mutating func lengthPrefixed() throws(RatchetError) -> [UInt8] { try bytes(Int(try u32())) }
    mutating func rest() throws(RatchetError) -> SecureBytes { try secret(source.count - offset) }
    func end() throws(RatchetError) {
        guard offset == source.count else { throw .malformed("stored state has trailing bytes") }
    }
}
