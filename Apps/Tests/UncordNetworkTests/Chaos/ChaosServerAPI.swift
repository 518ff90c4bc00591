import Foundation
import Synchronization
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordTestSupport

/// The engine's `ServerAPI` over real HTTP with a fault layer in front: while chaos is on, a request fails before it
/// is sent (the server never sees it), or is sent and its answer lost (the server acted, the client is told it
/// failed). Both surface as `ClientError.transport`, as a refused or reset connection does.
final class ChaosServerAPI: ServerAPI {
    let inner: HTTPServerAPI
    let random: ChaosRandom
    let tally: ChaosTally
    private let enabled = Mutex(false)
    private let created = Mutex<[UUID: String]>([:])

    /// The content of every message the server created for this client, lost answers included, by message id.
    var createdMessages: [UUID: String] { created.withLock { $0 } }

    init(inner: HTTPServerAPI, random: ChaosRandom, tally: ChaosTally) {
        self.inner = inner
        self.random = random
        self.tally = tally
    }

    /// Chaos on or off.
    func set(enabled: Bool) { self.enabled.withLock { $0 = enabled } }

    private func call<T>(_ route: String, _ body: () async throws -> T) async throws -> T {
        guard enabled.withLock({ $0 }) else { return try await body() }
        if random.chance(0.12) {
            tally.count("http requests failed")
            throw ClientError.transport(reason: "chaos: connection refused (\(route))")
        }
        // One-time pre-key uploads lose their answer more often: a lost 204 is what tests the retry.
        if random.chance(route == "one-time-pre-keys" ? 0.3 : 0.06) {
            tally.count(route == "one-time-pre-keys" ? "one-time pre-key upload answers lost" : "http answers lost")
            _ = try? await body()
            throw ClientError.transport(reason: "chaos: connection reset after sending (\(route))")
        }
        return try await body()
    }

    func registerDevice(_ request: RegisterDeviceRequest) async throws -> Device {
        try await call("register") { try await inner.registerDevice(request) }
    }
    func updateIdentityKey(device: UUID, _ request: UpdateIdentityKeyRequest) async throws {
        try await call("identity-key") { try await inner.updateIdentityKey(device: device, request) }
    }
    func uploadSignedPreKey(device: UUID, _ request: UploadSignedPreKeyRequest) async throws {
        try await call("signed-pre-key") { try await inner.uploadSignedPreKey(device: device, request) }
    }
    func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws {
        try await call("one-time-pre-keys") { try await inner.uploadOneTimePreKeys(device: device, request) }
    }
    func oneTimePreKeyCount(device: UUID) async throws -> Int {
        try await call("count") { try await inner.oneTimePreKeyCount(device: device) }
    }
    func keyBundle(of user: UUID) async throws -> UserKeyBundle {
        try await call("keys") { try await inner.keyBundle(of: user) }
    }
    func devices() async throws -> [Device] { try await call("devices") { try await inner.devices() } }
    func deleteDevice(_ device: UUID) async throws {
        try await call("delete-device") { try await inner.deleteDevice(device) }
    }
    func sendMessage(channel: UUID, body: [UInt8]) async throws -> Message {
        try await call("send") {
            let message = try await inner.sendMessage(channel: channel, body: body)
            created.withLock { $0[message.id] = message.content }
            return message
        }
    }
    func messages(channel: UUID, device: UUID, before: UUID?, limit: Int?) async throws -> [Message] {
        try await call("messages") {
            try await inner.messages(channel: channel, device: device, before: before, limit: limit)
        }
    }
    func dmChannels() async throws -> [DMChannel] { try await call("channels") { try await inner.dmChannels() } }
}

/// The fault layer between a gateway client and the engine: while chaos is on, each frame may be dropped,
/// duplicated (delivered now and again a few frames later), or delayed behind the next few frames (reordered).
/// Turning chaos off delivers every held frame.
actor FrameFaults {
    private let random: ChaosRandom
    private let tally: ChaosTally
    private var enabled = false
    private var held: [(frame: ReceivedFrame, after: Int)] = []

    init(random: ChaosRandom, tally: ChaosTally) {
        self.random = random
        self.tally = tally
    }

    func set(enabled: Bool) { self.enabled = enabled }

    /// The frames to hand the engine now, in order, for one frame from the gateway.
    func route(_ frame: ReceivedFrame) -> [ReceivedFrame] {
        var out: [ReceivedFrame] = []
        if !enabled {
            out.append(frame)
        } else if random.chance(0.08) {
            tally.count("frames dropped")
        } else if random.chance(0.08) {
            tally.count("frames duplicated")
            out.append(frame)
            held.append((frame, 1 + random.below(4)))
        } else if random.chance(0.12) {
            tally.count("frames delayed")
            held.append((frame, 1 + random.below(4)))
        } else {
            out.append(frame)
        }
        return out + release(all: !enabled)
    }

    /// Every held frame, in the order they were held.
    func flush() -> [ReceivedFrame] { release(all: true) }

    private func release(all: Bool) -> [ReceivedFrame] {
        var due: [ReceivedFrame] = []
        var kept: [(frame: ReceivedFrame, after: Int)] = []
        for entry in held {
            if all || entry.after <= 1 { due.append(entry.frame) } else { kept.append((entry.frame, entry.after - 1)) }
        }
        held = kept
        return due
    }
}
