import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 15, item 4: a notification extension decrypts one message from the app's store with the exported store key
/// (no Argon2id), makes at most the one wrap fetch, and the app later hands the same message over once from the
/// stored copy.
@Suite struct NotificationDecryptorTests {
    @Test func anExtensionDecryptsOnceAndTheAppShowsTheStoredCopy() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        let path = directory.path("bob-app")
        let passphrase = SecureBytes(copying: Array("bob's passphrase".utf8))
        let bobUser = UUID()
        let app = try SQLiteStore.create(
            at: path, device: DeviceAddress(user: bobUser, device: UUID()),
            key: .passphrase(passphrase, parameters: .minimum))
        let appEngine = try E2EEEngine(store: app, server: await server.client(for: bobUser), logger: quietLogger)
        try await appEngine.bootstrap()
        let channel = await server.createChannel([alice.user, bobUser])
        let device = appEngine.address.device
        let key = app.exportStoreKey()

        // First contact needs Alice's device list judged, which an extension does not fetch: it reports the message
        // undecryptable and changes nothing; the app reads it when it runs.
        let first = try await alice.send("first contact", channel: channel, to: [bobUser])
        let firstFrames = await server.drainFrames(for: bobUser, device: device)
        let firstPush = try #require(
            firstFrames.first { String(decoding: $0, as: UTF8.self).contains("DM_MESSAGE_CREATE") })
        let early = try NotificationDecryptor(
            storeAt: path, key: .storeKey(key), server: await server.client(for: bobUser), logger: quietLogger)
        let refused = await early.decrypt(messageJSON: try #require(try Frame(parsing: firstPush).data).bytes)
        #expect(refused == [.undecryptable(messageID: first.id, reason: .identityUnconfirmed)])
        #expect(try app.message(id: first.id) == nil)
        #expect(bodies(await appEngine.feedAll(firstFrames)) == ["first contact"])

        let sent = try await alice.send("for the extension", channel: channel, to: [bobUser])
        let frames = await server.drainFrames(for: bobUser, device: device)

        // The push carries the gateway's message JSON (no wrap): the extension fetches the wrap once.
        let push = try #require(frames.first { String(decoding: $0, as: UTF8.self).contains("DM_MESSAGE_CREATE") })
        let data = try #require(try Frame(parsing: push).data).bytes
        let listCallsBefore = await server.listCalls
        let uploadsBefore = await server.oneTimePreKeyUploadRequests
        let decryptor = try NotificationDecryptor(
            storeAt: path, key: .storeKey(key), server: await server.client(for: bobUser), logger: quietLogger)
        let events = await decryptor.decrypt(messageJSON: data)
        #expect(bodies(events) == ["for the extension"])
        #expect(await server.listCalls - listCallsBefore == 1)
        #expect(await server.oneTimePreKeyUploadRequests == uploadsBefore)
        #expect(try app.message(id: sent.id)?.payload.body == "for the extension")

        // The app's gateway then delivers the same message: handed over once, from the stored copy.
        let shown = await appEngine.process(frame: push)
        #expect(bodies(shown) == ["for the extension"])
        #expect(await appEngine.process(frame: push).isEmpty)

        // A wrong key opens nothing and changes nothing.
        #expect(throws: StoreError.wrongPassphrase) {
            _ = try NotificationDecryptor(
                storeAt: path, key: .storeKey(SecureBytes(random: 32, using: SystemRandom())), logger: quietLogger)
        }
    }
}

extension E2EEEngine {
    /// Feeds `frames` in order; answers every event.
    fileprivate func feedAll(_ frames: [[UInt8]]) async -> [AppEvent] {
        var events: [AppEvent] = []
        for frame in frames { events += await process(frame: frame) }
        return events
    }
}
