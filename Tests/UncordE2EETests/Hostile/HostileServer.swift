import Foundation
import Synchronization
import UncordE2EE
import UncordProtocol

/// The test server as one user sees it, with switches for the ways a malicious or failing server answers the
/// bundle route; every other route is the honest one.
final class HostileServer: ServerAPI {
    /// How `GET /users/{id}/keys` answers.
    enum BundleAnswer: Sendable {
        /// This bundle list, whatever user was asked for.
        case list(UserKeyBundle)
        /// This body, decoded as an HTTP client decodes `{"data": …}` (a decoding failure is a `ProtocolError`).
        case body(String)
        /// The request fails in transit.
        case failure
    }

    /// A request that broke before an answer arrived.
    struct TransportFailure: Error {}

    let honest: TestClient
    private let answer = Mutex<BundleAnswer?>(nil)

    init(honest: TestClient) { self.honest = honest }

    /// From now on, the bundle route answers this way (`nil`: honestly).
    func answerBundles(_ answer: BundleAnswer?) { self.answer.withLock { $0 = answer } }

    func keyBundle(of user: UUID) async throws -> UserKeyBundle {
        switch answer.withLock({ $0 }) {
        case nil: return try await honest.keyBundle(of: user)
        case .list(let list): return list
        case .body(let text): return try WireJSON.decode(DataEnvelope<UserKeyBundle>.self, from: text).data
        case .failure: throw TransportFailure()
        }
    }

    func registerDevice(_ request: RegisterDeviceRequest) async throws -> Device {
        try await honest.registerDevice(request)
    }
    func updateIdentityKey(device: UUID, _ request: UpdateIdentityKeyRequest) async throws {
        try await honest.updateIdentityKey(device: device, request)
    }
    func uploadSignedPreKey(device: UUID, _ request: UploadSignedPreKeyRequest) async throws {
        try await honest.uploadSignedPreKey(device: device, request)
    }
    func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws {
        try await honest.uploadOneTimePreKeys(device: device, request)
    }
    func oneTimePreKeyCount(device: UUID) async throws -> Int { try await honest.oneTimePreKeyCount(device: device) }
    func devices() async throws -> [Device] { try await honest.devices() }
    func deleteDevice(_ device: UUID) async throws { try await honest.deleteDevice(device) }
    func sendMessage(channel: UUID, body: [UInt8]) async throws -> Message {
        try await honest.sendMessage(channel: channel, body: body)
    }
    func messages(channel: UUID, device: UUID, before: UUID?, limit: Int?) async throws -> [Message] {
        try await honest.messages(channel: channel, device: device, before: before, limit: limit)
    }
    func dmChannels() async throws -> [DMChannel] { try await honest.dmChannels() }
}
