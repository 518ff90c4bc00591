import Foundation
import Synchronization
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// A server that acts on a request and whose answer is then lost: the client sees a failure although the server
/// kept what it sent (issue 9, found by the chaos run).
final class LosingServer: ServerAPI {
    let honest: TestClient
    /// How many more one-time pre-key uploads are to lose their answer.
    let losingUploads = Mutex(0)

    struct AnswerLost: Error {}

    init(honest: TestClient) { self.honest = honest }

    func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws {
        try await honest.uploadOneTimePreKeys(device: device, request)
        let lose = losingUploads.withLock { count in
            defer { count = max(0, count - 1) }
            return count > 0
        }
        if lose { throw AnswerLost() }
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
    func oneTimePreKeyCount(device: UUID) async throws -> Int { try await honest.oneTimePreKeyCount(device: device) }
    func keyBundle(of user: UUID) async throws -> UserKeyBundle { try await honest.keyBundle(of: user) }
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

@Suite("Lost answers")
struct LostAnswerTests {
    /// The server took a batch of one-time pre-keys but its 204 never arrived: the keys stay `pending`, and the next
    /// top-up posts the same ids again, which the server refuses whole (`DUPLICATE_KEY_ID`, 409). Before the fix,
    /// every later top-up failed the same way and the device never replenished again.
    @Test("A one-time pre-key upload whose answer was lost does not wedge replenishment")
    func lostUploadAnswer() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let user = UUID()
        let losing = LosingServer(honest: await server.client(for: user))
        let store = try SQLiteStore.create(
            at: directory.path("a"), device: DeviceAddress(user: user, device: UUID()),
            key: .rawKey(SecureBytes(random: 32, using: SystemRandom())), oneTimePreKeys: 10)
        var configuration = E2EEConfiguration()
        configuration.oneTimePreKeyTarget = 30
        let engine = try E2EEEngine(store: store, server: losing, logger: quietLogger, configuration: configuration)
        try await engine.bootstrap()
        let device = engine.address.device
        #expect(await server.oneTimePreKeyCount(user: user, device: device) == 10)

        losing.losingUploads.withLock { $0 = 1 }
        #expect(await engine.replenishOneTimePreKeys() == 0)
        #expect(await server.oneTimePreKeyCount(user: user, device: device) == 30, "the server kept the batch")
        #expect(try store.pendingOneTimePreKeys().count == 20, "the client could not know")

        // The next top-up finds the server already holding those ids: they are published, and nothing is lost.
        _ = await engine.replenishOneTimePreKeys()
        #expect(try store.pendingOneTimePreKeys().isEmpty)
        let result = try await engine.replenishOneTimePreKeys(target: 40)
        #expect(result.onServerAfter == 40)
        #expect(try store.pendingOneTimePreKeys().isEmpty)
    }

    /// The same, when new keys were made before the retry: the batch mixes ids the server holds with new ones, the
    /// server refuses it whole, and the keys go up one by one — the new ones are uploaded, none is lost.
    @Test("A batch mixing keys the server holds with new ones is uploaded key by key")
    func mixedBatch() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let user = UUID()
        let losing = LosingServer(honest: await server.client(for: user))
        let store = try SQLiteStore.create(
            at: directory.path("a"), device: DeviceAddress(user: user, device: UUID()),
            key: .rawKey(SecureBytes(random: 32, using: SystemRandom())), oneTimePreKeys: 10)
        let engine = try E2EEEngine(store: store, server: losing, logger: quietLogger)
        try await engine.bootstrap()
        losing.losingUploads.withLock { $0 = 1 }
        await #expect(throws: E2EEError.self) { try await engine.replenishOneTimePreKeys(target: 30) }
        #expect(try store.pendingOneTimePreKeys().count == 20)

        let result = try await engine.replenishOneTimePreKeys(target: 60)
        #expect(result.onServerBefore == 30)
        #expect(result.generated == 10)
        #expect(result.onServerAfter == 40)
        #expect(try store.pendingOneTimePreKeys().isEmpty)
        #expect(try await engine.replenishOneTimePreKeys(target: 60).onServerAfter == 60)
    }
}
