import Foundation
import UncordProtocol

/// The ``ServerAPI`` of an engine opened without a server (``E2EEEngine/init(offline:logger:configuration:clock:)``):
/// every route fails at once, so a local command never waits on a network. A ``NotificationDecryptor`` gives it
/// `listRoute`, the one route it may use (for a message's key wrap).
struct OfflineServer: ServerAPI {
    /// Where the list route goes, when it may be used at all.
    var listRoute: (any ServerAPI)? = nil

    private var unavailable: E2EEError { .server(detail: "no server: this engine works offline") }

    func registerDevice(_ request: RegisterDeviceRequest) async throws -> Device { throw unavailable }
    func updateIdentityKey(device: UUID, _ request: UpdateIdentityKeyRequest) async throws { throw unavailable }
    func uploadSignedPreKey(device: UUID, _ request: UploadSignedPreKeyRequest) async throws { throw unavailable }
    func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws { throw unavailable }
    func oneTimePreKeyCount(device: UUID) async throws -> Int { throw unavailable }
    func keyBundle(of user: UUID) async throws -> UserKeyBundle { throw unavailable }
    func devices() async throws -> [Device] { throw unavailable }
    func deleteDevice(_ device: UUID) async throws { throw unavailable }
    func sendMessage(channel: UUID, body: [UInt8]) async throws -> Message { throw unavailable }
    func messages(channel: UUID, device: UUID, before: UUID?, limit: Int?) async throws -> [Message] {
        guard let listRoute else { throw unavailable }
        return try await listRoute.messages(channel: channel, device: device, before: before, limit: limit)
    }
    func dmChannels() async throws -> [DMChannel] { throw unavailable }
}
