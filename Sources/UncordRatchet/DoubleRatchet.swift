public import Foundation
public import UncordCrypto

/// The Double Ratchet state of one session (Signal's Double Ratchet, section 3, without header encryption), as
/// UEDM/1 fixes it (PROTOCOL.md section 4).
///
/// A value type: ``encrypt(_:)`` and ``decrypt(_:using:)`` work on a copy and assign it back only when the whole
/// step succeeded, so a failure — a bad tag, a replay, a header that skips too far — leaves the state exactly as
/// it was, and draws no key pair.
///
/// ```swift
/// var alice = try DoubleRatchet.initiator(sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk,
///                                         using: RandomKeyPairs())
/// let message = try alice.encrypt(plaintext)
/// var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spkPair)
/// let opened = try bob.decrypt(message, using: RandomKeyPairs())
/// ```
public struct DoubleRatchet: Sendable, Equatable {
    /// Most message keys one received message may skip in one chain.
    public static let maximumSkip: UInt32 = 1000
    /// Most skipped message keys kept per session.
    public static let maximumStoredSkippedKeys = SkippedMessageKeys.capacity

    /// The associated data every message of the session authenticates (the X3DH `AD`).
    public var associatedData: [UInt8]
    package internal(set) var rootKey: SecureBytes
    package internal(set) var sendingKey: X25519.PrivateKey
    var remoteKey: X25519.PublicKey?
    package internal(set) var sendingChain: SecureBytes?
    package internal(set) var receivingChain: SecureBytes?
    var sendCount: UInt32 = 0
    var receiveCount: UInt32 = 0
    var previousSendCount: UInt32 = 0
    var skipped = SkippedMessageKeys()

    init(associatedData: [UInt8], rootKey: SecureBytes, sendingKey: X25519.PrivateKey) {
        self.associatedData = associatedData
        self.rootKey = rootKey
        self.sendingKey = sendingKey
    }

    /// The initiator's state: `DHs` = a new pair, `DHr` = the responder's signed pre-key,
    /// `(RK, CKs) = KDF_RK(SK, DH(DHs, DHr))`.
    public static func initiator(
        sharedSecret: SecureBytes, associatedData: [UInt8], peerSignedPreKey: X25519.PublicKey,
        using keys: some KeyPairSource
    ) throws(RatchetError) -> DoubleRatchet {
        let sendingKey = try keys.nextKeyPair()
        var state = DoubleRatchet(associatedData: associatedData, rootKey: sharedSecret, sendingKey: sendingKey)
        let (root, chain) = try RatchetError.wrapping { () throws(CryptoError) in
            try RatchetKDF.root(sharedSecret, X25519.sharedSecret(sendingKey, peerSignedPreKey))
        }
        state.rootKey = root
        state.sendingChain = chain
        state.remoteKey = peerSignedPreKey
        return state
    }

    /// The responder's state: `DHs` = its signed pre-key pair, `RK = SK`, no chains until the first message.
    public static func responder(
        sharedSecret: SecureBytes, associatedData: [UInt8], signedPreKey: X25519.PrivateKey
    ) -> DoubleRatchet {
        DoubleRatchet(associatedData: associatedData, rootKey: sharedSecret, sendingKey: signedPreKey)
    }

    /// `true` once the session has a sending chain (always for the initiator; after the first receive for the
    /// responder).
    public var canSend: Bool { sendingChain != nil }

    /// How many skipped message keys are stored.
    public var storedSkippedKeyCount: Int { skipped.count }

    /// Encrypts one message: `AEAD(mk, plaintext, AD || header)`.
    public mutating func encrypt(_ plaintext: some ContiguousBytes) throws(RatchetError) -> RatchetMessage {
        let (header, ciphertext) = try encrypt { (keyAndNonce, ad) throws(CryptoError) in
            try XChaCha20Poly1305.seal(plaintext, keyAndNonce: keyAndNonce, authenticating: ad)
        }
        return RatchetMessage(header: header, ciphertext: ciphertext)
    }

    /// ``encrypt(_:)`` writing the message into `out` instead of new arrays: the header
    /// (``RatchetHeader/byteCount`` bytes), then `ciphertext || tag` (the plaintext's length + 16). For a message
    /// sent inside a larger one, as a key wrap is.
    mutating func encrypt(
        _ plaintext: some ContiguousBytes, into out: UnsafeMutableRawBufferPointer
    ) throws(RatchetError) {
        guard out.count >= RatchetHeader.byteCount else {
            throw .crypto(.invalidLength(what: "ratchet message", expected: RatchetHeader.byteCount, actual: out.count))
        }
        let (header, _) = try encrypt { (keyAndNonce, ad) throws(CryptoError) in
            try XChaCha20Poly1305.seal(
                plaintext, keyAndNonce: keyAndNonce, authenticating: ad,
                into: UnsafeMutableRawBufferPointer(rebasing: out[RatchetHeader.byteCount...]))
        }
        header.write(into: out)
    }

    /// One sending step: the header, then `seal` with the message's key and nonce and its associated data
    /// `AD || header`; the chain advances only when `seal` succeeded.
    private mutating func encrypt<Sealed>(
        sealing seal: (_ keyAndNonce: UnsafeRawBufferPointer, _ ad: UnsafeRawBufferPointer) throws(CryptoError) ->
            Sealed
    ) throws(RatchetError) -> (RatchetHeader, Sealed) {
        guard sendingChain != nil else { throw .sendingChainMissing }
        guard sendCount < UInt32.max else { throw .counterExhausted }
        let header = RatchetHeader(
            ratchetKey: sendingKey.publicKey, previousChainLength: previousSendCount, messageNumber: sendCount)
        let associatedData = associatedData
        let sealed = try Self.step(&sendingChain, orThrow: .sendingChainMissing) { (keyAndNonce) throws(RatchetError) in
            try RatchetError.wrapping { () throws(CryptoError) in
                try Self.withMessageAssociatedData(associatedData, header) { (ad) throws(CryptoError) in
                    try seal(keyAndNonce, ad)
                }
            }
        }
        sendCount += 1
        return (header, sealed)
    }

    /// Two states are equal when every key, chain, counter and skipped key is; secrets compare in constant time.
    public static func == (lhs: DoubleRatchet, rhs: DoubleRatchet) -> Bool {
        lhs.associatedData == rhs.associatedData && lhs.rootKey == rhs.rootKey
            && lhs.sendingKey.secret == rhs.sendingKey.secret && lhs.remoteKey == rhs.remoteKey
            && lhs.sendingChain == rhs.sendingChain && lhs.receivingChain == rhs.receivingChain
            && lhs.sendCount == rhs.sendCount && lhs.receiveCount == rhs.receiveCount
            && lhs.previousSendCount == rhs.previousSendCount && lhs.skipped == rhs.skipped
    }

    /// Decrypts one message. On any error the state is unchanged and no key pair was drawn from `keys`.
    /// - Throws: ``RatchetError/authenticationFailed(_:)`` for a bad tag, ``RatchetError/duplicateMessage`` for a
    ///   message already decrypted, ``RatchetError/tooManySkippedMessages`` for a header that skips too far.
    public mutating func decrypt(
        _ message: RatchetMessage, using keys: some KeyPairSource
    ) throws(RatchetError) -> SecureBytes {
        try decrypt(message, using: keys) { (plaintext) throws(RatchetError) in plaintext }
    }

    /// Decrypts one message and hands the plaintext to `accept` before anything is committed or drawn: when
    /// `accept` throws (a digest that does not match, say), the receive fails like a bad tag — the state is
    /// unchanged and no key pair was drawn.
    public mutating func decrypt<Output>(
        _ message: RatchetMessage, using keys: some KeyPairSource,
        accepting accept: (SecureBytes) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        let header = message.header
        if skipped.count == 0, header.messageNumber == receiveCount, header.ratchetKey == remoteKey,
            receivingChain != nil
        {
            // The next message of the current receiving chain, with no skipped key that could match it: the step
            // changes only the chain and its counter, after the message has authenticated and been accepted, so it
            // runs in place with no copy of the whole state to fall back to (what decryptInPlace would do with it,
            // step for step).
            let output = try Self.stepReceiving(&receivingChain, message, associatedData, accepting: accept)
            receiveCount = header.messageNumber + 1
            return output
        }
        var next = self
        let output = try next.decryptInPlace(message, using: keys, accepting: accept)
        self = next
        return output
    }

    /// The body of ``decrypt(_:using:accepting:)``, free to leave `self` half-updated: the caller discards it on
    /// error.
    private mutating func decryptInPlace<Output>(
        _ message: RatchetMessage, using keys: some KeyPairSource,
        accepting accept: (SecureBytes) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        let header = message.header
        let index = SkippedMessageKeys.Index(ratchetKey: header.ratchetKey, messageNumber: header.messageNumber)
        if let messageKey = try skipped.key(for: index) {
            let output = try accept(try Self.open(message, with: messageKey, associatedData: associatedData))
            skipped.remove(index)
            return output
        }

        let stepping = header.ratchetKey != remoteKey
        if stepping {
            // Finish the current receiving chain up to PN, then derive the new one.
            if receivingChain != nil { try skipMessageKeys(until: header.previousChainLength) }
            let (root, chain) = try RatchetError.wrapping { () throws(CryptoError) in
                try RatchetKDF.root(rootKey, X25519.sharedSecret(sendingKey, header.ratchetKey))
            }
            rootKey = root
            receivingChain = chain
            remoteKey = header.ratchetKey
            receiveCount = 0
        } else if receivingChain == nil {
            throw .malformed("a message under the peer's signed pre-key, which never sends")
        }

        guard header.messageNumber >= receiveCount else { throw .duplicateMessage }
        try skipMessageKeys(until: header.messageNumber)
        let output = try Self.stepReceiving(&receivingChain, message, associatedData, accepting: accept)
        receiveCount = header.messageNumber + 1

        if stepping {
            // The sending half of the DH ratchet step, drawn only now that the message has authenticated.
            let newKey = try keys.nextKeyPair()
            let (root, chain) = try RatchetError.wrapping { () throws(CryptoError) in
                try RatchetKDF.root(rootKey, X25519.sharedSecret(newKey, header.ratchetKey))
            }
            previousSendCount = sendCount
            sendCount = 0
            sendingKey = newKey
            rootKey = root
            sendingChain = chain
        }
        return output
    }

    /// Stores the keys of messages `receiveCount ..< until` of the receiving chain.
    private mutating func skipMessageKeys(until: UInt32) throws(RatchetError) {
        guard until > receiveCount else { return }
        guard until - receiveCount <= Self.maximumSkip else { throw .tooManySkippedMessages }
        guard var chain = receivingChain, let remoteKey else { return }
        while receiveCount < until {
            let (next, messageKey) = RatchetKDF.chain(chain)
            skipped.insert(messageKey, for: .init(ratchetKey: remoteKey, messageNumber: receiveCount))
            chain = next
            receiveCount += 1
        }
        receivingChain = chain
    }

    // The helpers below are static and take the session's associated data rather than `self`: called from the
    // closures of a mutating step, an instance method made a copy of the whole state for every message.

    /// One step of `chain` (``RatchetKDF/step(_:_:)``): `body` gets the message's AEAD key and nonce, and the chain
    /// advances only when `body` succeeded. The chain key is moved out of the state for the step, not copied: as
    /// the only reference to its buffer, it is overwritten in place by the next key (no allocation, and nothing
    /// left to wipe later).
    private static func step<Output>(
        _ chain: inout SecureBytes?, orThrow missing: RatchetError,
        _ body: (_ keyAndNonce: UnsafeRawBufferPointer) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        guard var key = chain.take() else { throw missing }
        defer { chain = key }
        return try RatchetKDF.step(&key, body)
    }

    /// One step of the receiving chain for `message`: decrypted, handed to `accept`, and the chain advanced only
    /// when both succeeded.
    private static func stepReceiving<Output>(
        _ chain: inout SecureBytes?, _ message: RatchetMessage, _ associatedData: [UInt8],
        accepting accept: (SecureBytes) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        // `decrypt` is not specialised for its callers: a closure or an optional of type `Output` here looked up
        // type metadata on every message. So the step opens the message without `Output` (``RatchetKDF/step(_:
        // writingNextTo:opening:)``), keeping the next chain key in `next`, and `accept` runs after it.
        guard var key = chain.take() else { throw .malformed("no receiving chain") }
        defer { chain = key }
        var next: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        defer { withUnsafeMutableBytes(of: &next) { SecureBytes.wipe($0) } }
        let plaintext = try withUnsafeMutableBytes(of: &next) { (next) throws(RatchetError) -> SecureBytes in
            try RatchetKDF.step(key, writingNextTo: next) { (keyAndNonce) throws(RatchetError) -> SecureBytes in
                try open(message, keyAndNonce: keyAndNonce, associatedData: associatedData)
            }
        }
        let output = try accept(plaintext)
        withUnsafeBytes(of: &next) { key.replace(with: $0) }
        return output
    }

    /// Decrypts with a stored (skipped) message key.
    private static func open(
        _ message: RatchetMessage, with messageKey: SecureBytes, associatedData: [UInt8]
    ) throws(RatchetError) -> SecureBytes {
        try RatchetKDF.withMessageKeys(messageKey) { (keyAndNonce) throws(RatchetError) in
            try open(message, keyAndNonce: keyAndNonce, associatedData: associatedData)
        }
    }

    private static func open(
        _ message: RatchetMessage, keyAndNonce: UnsafeRawBufferPointer, associatedData: [UInt8]
    ) throws(RatchetError) -> SecureBytes {
        do {
            return try withMessageAssociatedData(associatedData, message.header) { (ad) throws(CryptoError) in
                try XChaCha20Poly1305.open(message.ciphertext, keyAndNonce: keyAndNonce, authenticating: ad)
            }
        } catch .authenticationFailed {
            throw .authenticationFailed(.messageTag)
        } catch {
            throw .crypto(error)
        }
    }

    /// Runs `body` with a message's associated data, `AD || header`, built on the stack rather than in a new array.
    private static func withMessageAssociatedData<R>(
        _ associatedData: [UInt8], _ header: RatchetHeader, _ body: (UnsafeRawBufferPointer) throws(CryptoError) -> R
    ) throws(CryptoError) -> R {
        let count = associatedData.count + RatchetHeader.byteCount
        return try withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) {
            (buffer) throws(CryptoError) -> R in
            associatedData.withUnsafeBytes { buffer.copyMemory(from: $0) }
            header.write(into: UnsafeMutableRawBufferPointer(rebasing: buffer[associatedData.count...]))
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }
}
