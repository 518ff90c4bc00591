public import Foundation

/// The Uncord server routes the engine needs (UNCORD_API.md), as a protocol so that the HTTP client and the
/// tests' in-process server are interchangeable.
///
/// Every method throws the implementation's own errors; a server's `{"error": …}` answer should be thrown as
/// ``UncordProtocol/ServerError``, or as an error conforming to ``ServerErrorCarrying``, so the engine can tell its
/// codes apart.
public protocol ServerAPI: Sendable {
    /// `POST /users/@me/devices`: registers this device and its identity key.
    func registerDevice(_ request: RegisterDeviceRequest) async throws -> Device
    /// `PUT /users/@me/devices/{device_id}/identity-key`: replaces the device's identity key and tells the user's DM
    /// peers (IDENTITY_KEY_CHANGED). The published server keeps the device's signed and one-time pre-keys.
    func updateIdentityKey(device: UUID, _ request: UpdateIdentityKeyRequest) async throws
    /// `PUT /users/@me/devices/{device_id}/signed-pre-key`: replaces the device's signed pre-key.
    func uploadSignedPreKey(device: UUID, _ request: UploadSignedPreKeyRequest) async throws
    /// `POST /users/@me/devices/{device_id}/one-time-pre-keys`: adds 1…100 one-time pre-keys.
    func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws
    /// `GET /users/@me/devices/{device_id}/one-time-pre-keys/count`: how many one-time pre-keys the server holds.
    func oneTimePreKeyCount(device: UUID) async throws -> Int
    /// `GET /users/{user_id}/keys`: one bundle per device of the user; consumes one one-time pre-key per device.
    func keyBundle(of user: UUID) async throws -> UserKeyBundle
    /// `GET /users/@me/devices`: the signed-in user's devices, ordered by creation.
    func devices() async throws -> [Device]
    /// `DELETE /users/@me/devices/{device_id}`: removes one of the signed-in user's devices with its keys.
    func deleteDevice(_ device: UUID) async throws
    /// `POST /dm/{channel_id}/messages` with `body` sent byte for byte; answers the created message.
    func sendMessage(channel: UUID, body: [UInt8]) async throws -> Message
    /// `GET /dm/{channel_id}/messages?before=&limit=` with `X-Device-ID: device`: each message carries at most
    /// that device's key wrap, as `device_id` `""`.
    func messages(channel: UUID, device: UUID, before: UUID?, limit: Int?) async throws -> [Message]
    /// `GET /users/@me/channels`: the signed-in user's DM channels, the channels a READY catch-up walks besides
    /// those of the stored messages.
    func dmChannels() async throws -> [DMChannel]
}

/// An implementation's own error that carries a server's `{"error": …}` answer, so the engine can read its code
/// without knowing the implementation's error type.
public protocol ServerErrorCarrying: Error {
    /// The server's error answer, or `nil` when the failure was not one (a broken connection, say).
    var serverError: ServerError? { get }
}

extension ServerError {
    /// The server's error answer inside `error`: `error` itself when it is a ``ServerError``, the carried answer when
    /// it is a ``ServerErrorCarrying``, otherwise `nil`.
    package static func carried(by error: any Error) -> ServerError? {
        if let error = error as? ServerError { return error }
        return (error as? any ServerErrorCarrying)?.serverError
    }
}
