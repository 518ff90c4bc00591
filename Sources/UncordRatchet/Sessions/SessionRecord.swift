import Foundation
public import UncordCrypto

/// Every session kept with one peer device (PROTOCOL.md section 6): the active one, which sends, and up to
/// ``maximumPreviousSessions`` earlier ones, most recent first, kept to decrypt messages still in flight.
///
/// The active session is the one that most recently decrypted a message from the device (or the newest, when it
/// has not been used yet); that rule also settles two devices starting sessions with each other at once.
public struct SessionRecord: Sendable, Equatable {
    /// Most earlier sessions kept per device; a seventh session drops the oldest.
    public static let maximumPreviousSessions = 5

    /// The session that sends.
    public private(set) var active: Session
    /// Earlier sessions, most recent first.
    public private(set) var previous: [Session]
    /// `true` once the record was archived (``archive()``): the next send starts a new session from a fresh
    /// bundle, while every kept session still decrypts messages in flight. Installing a new session clears it.
    public private(set) var isArchived: Bool

    /// A record from its sessions; more than ``maximumPreviousSessions`` earlier ones are cut, oldest first.
    public init(active: Session, previous: [Session] = [], isArchived: Bool = false) {
        self.active = active
        self.previous = Array(previous.prefix(Self.maximumPreviousSessions))
        self.isArchived = isArchived
    }

    /// Every session, the active one first, then the earlier ones most recent first.
    public var sessions: [Session] { [active] + previous }

    /// Makes `session` the active one; the former active one becomes the most recent earlier session. The record
    /// is no longer archived.
    public mutating func install(_ session: Session) {
        previous.insert(active, at: 0)
        if previous.count > Self.maximumPreviousSessions { previous.removeLast() }
        active = session
        isArchived = false
    }

    /// Archives the record (a session reset, or this device's new identity key): the next send starts a new
    /// session from a fresh bundle; until then the kept sessions still decrypt.
    public mutating func archive() {
        isArchived = true
    }

    /// Decrypts a ratchet message by trying the active session, then the earlier ones most recent first; the
    /// session that decrypts it becomes the active one. On failure nothing changes.
    /// - Throws: ``RatchetError/duplicateMessage`` when a session recognises the message as already decrypted,
    ///   else the active session's error (``RatchetError/authenticationFailed(_:)`` for a message none of the
    ///   sessions can read).
    public mutating func decrypt<Output>(
        _ message: RatchetMessage, using keys: some KeyPairSource,
        accepting accept: (SecureBytes) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        try decrypt(
            message, using: keys, promoting: { _ in true },
            accepting: { (plaintext: SecureBytes, _: Session) throws(RatchetError) -> Output in try accept(plaintext) })
    }

    /// Decrypts a ratchet message as ``decrypt(_:using:accepting:)`` does, promoting the session that decrypts it
    /// to active only when `promoting` says so (a session of an identity key that is no longer the user's pin still
    /// reads messages in flight, but never sends again). `accept` also gets the session that decrypted.
    public mutating func decrypt<Output>(
        _ message: RatchetMessage, using keys: some KeyPairSource, promoting: (Session) -> Bool,
        accepting accept: (SecureBytes, Session) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        var errors: [RatchetError] = []
        for index in sessions.indices {
            let session = sessions[index]
            do {
                return try decrypt(
                    message, inSessionAt: index, using: keys, promoting: promoting(session),
                    accepting: { (plaintext: SecureBytes) throws(RatchetError) -> Output in
                        try accept(plaintext, session)
                    })
            } catch {
                errors.append(error)
            }
        }
        // A session that recognises the message explains the failure better than the others' bad tags.
        for telling in [RatchetError.duplicateMessage, .tooManySkippedMessages] where errors.contains(telling) {
            throw telling
        }
        throw errors[0]
    }

    /// Decrypts a ratchet message in one session (0 = the active one, then the earlier ones) and, when `promoting`,
    /// makes that session the active one on success. On failure nothing changes.
    mutating func decrypt<Output>(
        _ message: RatchetMessage, inSessionAt index: Int, using keys: some KeyPairSource, promoting: Bool = true,
        accepting accept: (SecureBytes) throws(RatchetError) -> Output
    ) throws(RatchetError) -> Output {
        if index == 0 { return try active.decrypt(message, using: keys, accepting: accept) }
        var session = previous[index - 1]
        let output = try session.decrypt(message, using: keys, accepting: accept)
        if promoting {
            previous.remove(at: index - 1)
            previous.insert(active, at: 0)
            active = session
        } else {
            previous[index - 1] = session
        }
        return output
    }

    /// The index (as in ``sessions``) of the session the peer started with these X3DH fields, if it is kept.
    func indexOfSession(startedBy fields: KeyWrap.PreKeyFields) -> Int? {
        sessions.firstIndex { $0.started(by: fields) }
    }
}

extension SessionRecord {
    /// Wraps a content key through the active session (`wrapped` = `CK || SHA-256(content)`): the encoded wrap.
    mutating func wrapWithActiveSession(_ wrapped: SecureBytes, senderDevice: UUID) throws(RatchetError) -> [UInt8] {
        try active.encodedWrap(wrapped, senderDevice: senderDevice)
    }
}
