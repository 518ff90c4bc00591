internal import Foundation
public import Logging
public import UncordProtocol
public import UncordStore

/// The small entry point for a process that decrypts one message and stops — an iOS notification service
/// extension, a push handler — sharing the app's store (`Docs/ENGINE.md`, "Several processes").
///
/// It opens the store with the key the app exported (`StoreKeySource.storeKey(_:)`: no Argon2id, which
/// a 24 MiB extension cannot afford), decrypts the message from its server JSON (a DM_MESSAGE_CREATE's `d`, or a
/// `Message` a push carried) in one store transaction, and returns the app events. The only network call it may make
/// is one list request for this device's key wrap when the JSON carries none; it fetches no device list, uploads no
/// pre-keys and catches nothing up — the app does that when it runs. A message the app (or another extension) already
/// decrypted is answered from the stored copy, with no state change.
///
/// ```swift
/// let decryptor = try NotificationDecryptor(
///     storeAt: sharedContainerPath, key: .storeKey(keychain.storeKey), server: api, logger: logger)
/// for event in await decryptor.decrypt(messageJSON: pushPayload) {
///     if case .message(let message) = event { content.body = message.payload.body ?? "" }
/// }
/// ```
public struct NotificationDecryptor: Sendable {
    private let engine: E2EEEngine

    /// Opens the store at `path`.
    /// - Parameters:
    ///   - path: the store file the app uses.
    ///   - key: the store's key, as the app exported it.
    ///   - server: where the one wrap fetch goes when a message carries no wrap; `nil` makes no request at all.
    ///   - logger: where the engine logs (never a key or a message's text).
    /// - Throws: store errors (`StoreError.wrongPassphrase` for a wrong key; nothing is changed).
    public init(storeAt path: String, key: StoreKeySource, server: (any ServerAPI)? = nil, logger: Logger) throws {
        let store = try SQLiteStore.open(at: path, key: key)
        engine = try E2EEEngine(store: store, server: OfflineServer(listRoute: server), logger: logger)
    }

    /// Decrypts and stores one message given as the server's JSON; answers its events (`.message`, or
    /// `.undecryptable` with the reason, and any trust warning).
    public func decrypt(messageJSON bytes: [UInt8]) async -> [AppEvent] {
        let message: Message
        do {
            message = try WireJSON.decode(Message.self, from: bytes)
        } catch {
            return []
        }
        return await decrypt(message)
    }

    /// Decrypts and stores one message; answers its events.
    public func decrypt(_ message: Message) async -> [AppEvent] {
        await engine.receive(message, isEdit: false)
    }
}
