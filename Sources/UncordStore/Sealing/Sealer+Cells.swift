import Foundation
import UncordRatchet

extension Sealer {
    /// A column whose values are sealed. A ``Cell`` is made only from one, so every value the store seals is in one
    /// of these, and ``SealedColumn/all`` reseals each of them but ``keyCheck`` when a backup is restored (a test
    /// keeps the two in step).
    enum Column: CaseIterable, Hashable, Sendable {
        /// `metadata.value` of the `key_check` row: a known constant that proves the store key.
        case keyCheck
        /// `local_device.identity_private`: the account key.
        case identityPrivate
        /// `signed_pre_keys.private_key`.
        case signedPreKey
        /// `one_time_pre_keys.private_key`.
        case oneTimePreKey
        /// `sessions.state`: root, chain and ratchet keys.
        case sessionState
        /// `skipped_message_keys.message_key`.
        case skippedMessageKey
        /// `messages.payload`.
        case messagePayload
        /// `message_edits.payload`: an edited message's earlier revision.
        case editPayload
        /// `outbox.request`: the exact request body of an unacknowledged send.
        case outboxRequest
        /// `outbox.payload`: the plaintext an unacknowledged send seals.
        case outboxPayload
        /// `pending_link.ephemeral_private`: a waiting store's link key.
        case linkEphemeral
        /// `server_credentials.tokens`.
        case serverTokens

        /// The table.
        var table: String {
            switch self {
            case .keyCheck: "metadata"
            case .identityPrivate: "local_device"
            case .signedPreKey: "signed_pre_keys"
            case .oneTimePreKey: "one_time_pre_keys"
            case .sessionState: "sessions"
            case .skippedMessageKey: "skipped_message_keys"
            case .messagePayload: "messages"
            case .editPayload: "message_edits"
            case .outboxRequest, .outboxPayload: "outbox"
            case .linkEphemeral: "pending_link"
            case .serverTokens: "server_credentials"
            }
        }

        /// The column's name in ``table``.
        var name: String {
            switch self {
            case .keyCheck: "value"
            case .identityPrivate: "identity_private"
            case .signedPreKey, .oneTimePreKey: "private_key"
            case .sessionState: "state"
            case .skippedMessageKey: "message_key"
            case .messagePayload, .editPayload, .outboxPayload: "payload"
            case .outboxRequest: "request"
            case .linkEphemeral: "ephemeral_private"
            case .serverTokens: "tokens"
            }
        }
    }
}

/// Every sealed cell by what it holds: the writers, the readers and ``SealedColumn/all`` build a cell's name (its
/// column and row key) only through these, so a restored backup reseals each value under the name it was written
/// with.
extension Sealer.Cell {
    /// The key check.
    static var keyCheck: Self { Self(.keyCheck, row: "key_check") }

    /// This device's account key, for its device id.
    static func identityPrivate(device: UUID) -> Self {
        Self(.identityPrivate, row: device.lowercased)
    }

    /// A signed pre-key's private half, for its key id.
    static func signedPreKey(id: some BinaryInteger) -> Self {
        Self(.signedPreKey, row: "\(id)")
    }

    /// A one-time pre-key's private half, for its key id.
    static func oneTimePreKey(id: some BinaryInteger) -> Self {
        Self(.oneTimePreKey, row: "\(id)")
    }

    /// A session's state, for its row key (``StoreTransaction/sessionRowKey(_:baseKey:)``).
    static func sessionState(sessionRow: [UInt8]) -> Self {
        Self(.sessionState, row: sessionRow)
    }

    /// A skipped message key of the session with row key `sessionRow`.
    static func skippedMessageKey(sessionRow: [UInt8], ratchetKey: [UInt8], number: UInt32) -> Self {
        Self(.skippedMessageKey, row: StoreTransaction.skippedRowKey(sessionRow, ratchetKey, number))
    }

    /// A stored message's payload, for its message id.
    static func messagePayload(_ id: UUID) -> Self {
        Self(.messagePayload, row: id.lowercased)
    }

    /// An earlier revision of an edited message.
    static func editPayload(_ id: UUID, revision: some BinaryInteger) -> Self {
        Self(.editPayload, row: "\(id.lowercased)/\(revision)")
    }

    /// An outbox row's request body, for its row id.
    static func outboxRequest(id: Int64) -> Self {
        Self(.outboxRequest, row: "\(id)")
    }

    /// An outbox row's plaintext payload, for its row id.
    static func outboxPayload(id: Int64) -> Self {
        Self(.outboxPayload, row: "\(id)")
    }

    /// A waiting store's link key, for the device id it drew.
    static func linkEphemeral(device: UUID) -> Self {
        Self(.linkEphemeral, row: device.lowercased)
    }

    /// The sign-in tokens, bound to the account they sign in.
    static func serverTokens(user: UUID) -> Self {
        Self(.serverTokens, row: user.lowercased)
    }
}
