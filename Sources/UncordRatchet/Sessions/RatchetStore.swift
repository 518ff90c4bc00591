public import Foundation
public import UncordCrypto

/// This device's identity and the identity keys pinned for peer devices (PROTOCOL.md section 8).
///
/// Store protocols only read; every change goes through ``RatchetStore/commit(_:)`` so that one protocol step is
/// one transaction. Their errors are the store's own and pass through the session calls unchanged.
public protocol IdentityKeyStore {
    /// This device's address and identity key pair.
    func localIdentity() throws -> LocalIdentity
    /// The identity pinned for a peer device, or `nil` when none was seen yet.
    func pinnedIdentity(for address: DeviceAddress) throws -> PinnedIdentity?
}

/// This device's private pre-keys (PROTOCOL.md sections 3 and 7).
public protocol PreKeyStore {
    /// The signed pre-key with this id: the current one, or a retired one still inside its grace period.
    func signedPreKey(id: UInt32) throws -> X25519.PrivateKey?
    /// The one-time pre-key with this id, or `nil` when it is unknown or was consumed.
    func oneTimePreKey(id: UInt32) throws -> X25519.PrivateKey?
    /// Whether a session with this base key (`EK_A`) from `address` was accepted before (kept until its signed
    /// pre-key's grace period ends), so a replayed pre-key wrap is refused even after its session is gone.
    func acceptedSession(baseKey: X25519.PublicKey, from address: DeviceAddress) throws -> Bool
}

/// The sessions with peer devices, one ``SessionRecord`` per (user, device).
public protocol SessionStore {
    /// The record of a peer device, or `nil` when there is no session with it.
    func sessionRecord(for address: DeviceAddress) throws -> SessionRecord?
    /// The record of a peer device for one step. A store that keeps skipped message keys as rows of their own may
    /// load, for a receive, only the key the header names (and none for a send): the record then serves that one
    /// step, and each session's ``DoubleRatchet/storedSkippedKeyChanges`` says what to write back. By default the
    /// whole record.
    func sessionRecord(for address: DeviceAddress, step: SessionStep) throws -> SessionRecord?
}

extension SessionStore {
    public func sessionRecord(for address: DeviceAddress, step: SessionStep) throws -> SessionRecord? {
        try sessionRecord(for: address)
    }
}

/// The protocol step a session record is loaded for.
public enum SessionStep: Sendable {
    /// Sealing a message: no skipped message key is needed.
    case send
    /// Opening a message with this ratchet header: the skipped key it names, if any, is needed.
    case receive(RatchetHeader)
}

/// The cached device lists of users (PROTOCOL.md section 6).
public protocol PeerStore {
    /// The devices of `user` as last fetched, or `nil` when they were never fetched.
    func devices(of user: UUID) throws -> [UUID]?
}

/// Everything the sessions layer reads, plus the one call that writes: ``commit(_:)`` applies all the changes of
/// one send or receive together, or none of them (one transaction in an SQLite store).
///
/// ```swift
/// let store = InMemoryRatchetStore(local: me)
/// let sealed = try SessionCipher().seal(payload, channel: channel, participants: [peer], bundles: [fetched],
///                                       in: store)
/// ```
public protocol RatchetStore: IdentityKeyStore, PreKeyStore, SessionStore, PeerStore {
    /// Applies every change of one protocol step, or none: on a throw, nothing may have changed.
    ///
    /// The change set is consumed, so a store that keeps records in memory can move them in rather than copy them
    /// (``InMemoryRatchetStore`` does); a store may still take it as an ordinary parameter.
    func commit(_ changes: consuming StoreChangeSet) throws
}
