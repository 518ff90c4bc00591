public import Foundation
public import Logging
import UncordCrypto
public import UncordProtocol
public import UncordRatchet
public import UncordStore

/// The end-to-end encryption engine a chat client links: it turns gateway frames into app events, keeps the
/// device's pre-keys stocked on the server, applies the trust rules, and prepares encrypted sends.
///
/// ```swift
/// let engine = E2EEEngine(store: store, server: api, logger: logger)
/// try await engine.bootstrap()
/// for await event in engine.events(from: gateway.frames) { app.handle(event) }  // or process(_:) one frame at a time
/// let prepared = try await engine.prepareMessage(text: "hi", channel: channel, participants: [bob])
/// ```
public actor E2EEEngine {
    let store: SQLiteStore
    let server: any ServerAPI
    let logger: Logger
    /// The engine's settings.
    public let configuration: E2EEConfiguration
    let clock: @Sendable () -> Date
    let local: DeviceAddress

    /// The replenishment in flight; later triggers await it instead of starting another.
    var replenishment: Task<Int, Never>?
    /// This engine's name in the store's leases: work other processes sharing the store must not do at the same
    /// time (pre-key top-ups, signed pre-key rotation, catch-up) runs under a lease held in it.
    let leaseHolder = UUID().uuidString.lowercased()
    /// The store leases a task of this engine holds: another task of the engine waits for them as another process
    /// would (the store would renew them for it, being the same holder, and its release would end the first task's
    /// hold early).
    var leasesHeld: Set<String> = []
    /// Plaintexts of this device's last 1,000 sends by content, so their gateway echo can be shown without a wrap:
    /// only in the send's channel, and only under the first message id it is echoed with.
    var sentContents = RecentSends(limit: 1000)
    /// Bundle lists fetched when a message came from an unknown device, kept for the next send to the user (the
    /// fetch consumed one one-time pre-key per device on the server); dropped once a send used them, when older
    /// than the refresh age, or on IDENTITY_KEY_CHANGED for the user.
    var refreshedBundles: [UUID: (bundle: UserKeyBundle, fetchedAt: Date)] = [:]
    /// When a message from each unknown device (or with each new key of a device) last triggered a judgement of its
    /// user's list: at most one per refresh age (one a minute for a wrap whose key is not the pin).
    var deviceRefreshes: [String: Date] = [:]
    /// Events met by a send that was then refused (a trust warning, a refused device): handed to the app before the
    /// events of the next frame it processes, so none is lost with the thrown error.
    var undeliveredEvents: [AppEvent] = []
    /// The messages this engine has handed to the app: a replay of one is dropped, while a message another process
    /// sharing the store decrypted first is still handed over here, once, from the stored copy.
    var delivered = RecentIDs(limit: 10_000)
    /// When this engine started, on the store's clock: a stored message it did not decrypt is handed over only when
    /// stored since (another process decrypted it meanwhile), never history a server replays under an old id.
    let startedAt: Date
    /// Users whose device list a wrap made suspect (its key was not the pin) but could not be judged then: the next
    /// send judges it first. Kept in memory, so an unread wrap changes nothing stored (READY marks every list stale
    /// after a restart anyway).
    var suspectLists: Set<UUID> = []
    /// Refused devices already reported (user, device, key, reason), so each is reported once even when nothing of
    /// the refusing list was stored.
    var reportedRefusals: Set<String> = []
    /// Messages a READY catch-up reported undecryptable, so a later READY does not report them again.
    var caughtUpUndecryptable: Set<UUID> = []
    /// Messages in a row from users who know this device that came without a key for it, even asked for by
    /// `X-Device-ID`; a delivered key sets it back to 0.
    var missingKeyStreak = 0
    /// Whether this engine reported ``ServerDiagnosis/messageKeysNotDelivered`` (once per run).
    var diagnosedMissingKeys = false

    /// An engine over an open store and a server client.
    /// - Throws: ``E2EEError/store(detail:)`` when the store cannot read this device's identity.
    public init(
        store: SQLiteStore, server: any ServerAPI, logger: Logger, configuration: E2EEConfiguration = .init(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(E2EEError) {
        self.store = store
        self.server = server
        self.logger = logger
        self.configuration = configuration
        self.clock = clock
        startedAt = store.now.addingTimeInterval(-1)
        do {
            local = try store.localIdentity().address
        } catch {
            throw .store(detail: "\(error)")
        }
    }

    /// An engine with no server, for the work that needs none: trust and safety numbers, sessions, the pre-key
    /// and bundle listings. Anything that would reach the server throws ``E2EEError/server(detail:)``.
    ///
    /// ```swift
    /// let engine = try E2EEEngine(offline: store, logger: logger)
    /// try await engine.verify(user: bob, safetyNumber: digits)
    /// ```
    /// - Throws: ``E2EEError/store(detail:)`` when the store cannot read this device's identity.
    public init(
        offline store: SQLiteStore, logger: Logger, configuration: E2EEConfiguration = .init(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(E2EEError) {
        try self.init(store: store, server: OfflineServer(), logger: logger, configuration: configuration, clock: clock)
    }

    /// This device's user and device ids.
    public nonisolated var address: DeviceAddress { local }

    /// The cipher for receives: identity changes are let through and reported, the engine applies the policy.
    var receivingCipher: SessionCipher { SessionCipher(trustPolicy: PinnedKeysOnly()) }

    /// The cipher for sends: only keys the device-list judgement pinned are used.
    var sendingCipher: SessionCipher { SessionCipher(trustPolicy: PinnedKeysOnly()) }

    // MARK: Bootstrap

    /// Registers the device when the store says it is not registered, uploads a rotated identity key the server
    /// lacks, uploads the signed pre-key when the server does not have it (rotating it first when it is older than
    /// the configured age) and uploads every pending one-time pre-key in batches of at most 100.
    /// - Throws: ``E2EEError/serverCannotRegisterDevices`` when the registration is answered 500 `INTERNAL_ERROR`
    ///   (nothing is stored as registered); ``E2EEError/server(detail:)`` or ``E2EEError/store(detail:)``; a later
    ///   call resumes where this one stopped.
    public func bootstrap() async throws(E2EEError) {
        let registered = try storeCall { try store.isRegistered() }
        if !registered {
            let identity = try storeCall { try store.localIdentity() }
            let request = RegisterDeviceRequest(
                deviceID: local.device, label: configuration.deviceLabel,
                identityKey: identity.keyPair.publicKey.bytes)
            do {
                _ = try await server.registerDevice(request)
            } catch let error where ServerError.carried(by: error)?.code == .duplicateKeyID {
                logger.info("device already registered on the server")
                try await replaceStaleServerKey(request.identityKey)
            } catch let error where ServerError.carried(by: error)?.code == .internalError {
                // The published server's defect 1 (Docs/UNCORD_SERVER.md section 3): every registration fails so.
                logger.warning("the server answered device registration with 500 INTERNAL_ERROR; nothing registered")
                throw .serverCannotRegisterDevices
            } catch {
                throw Self.serverError(error)
            }
            try storeCall { try store.markRegistered() }
            logger.info("device registered")
        }
        try await rotateSignedPreKeyIfNeeded()
        _ = try await uploadPendingOneTimePreKeys()
    }

    /// A device registered before under this id (an earlier install that kept the id, or a registration whose
    /// answer was lost): when the server lists another identity key for it, peers would judge this device's
    /// messages against that key, so the key is replaced (the server tells peers with IDENTITY_KEY_CHANGED).
    private func replaceStaleServerKey(_ key: [UInt8]) async throws(E2EEError) {
        let devices = try await serverCall { try await server.devices() }
        guard let listed = devices.first(where: { $0.deviceID == local.device }), listed.identityKey != key else {
            return
        }
        try await serverCall {
            try await server.updateIdentityKey(device: local.device, UpdateIdentityKeyRequest(identityKey: key))
        }
        // The earlier install's pre-keys are still on the server under the ids this store would upload.
        try storeCall { try store.movePreKeyIDsPastAnEarlierInstall() }
        logger.notice("the server held another identity key for this device id (a reinstall); replaced")
    }

    // MARK: Helpers

    func storeCall<T>(_ body: () throws -> T) throws(E2EEError) -> T {
        do {
            return try body()
        } catch let error as RatchetError {
            throw Self.ratchetError(error)
        } catch {
            throw .store(detail: "\(error)")
        }
    }

    /// Runs one call (or a few) to the server, turning what it throws into an ``E2EEError`` as ``serverError(_:)``
    /// does: the server's error code, or the kind of failure. The server's counterpart of ``storeCall(_:)``; a call
    /// whose particular server errors mean something else keeps its own `catch`.
    func serverCall<T>(_ body: () async throws -> T) async throws(E2EEError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.serverError(error)
        }
    }

    static func serverError(_ error: any Error) -> E2EEError {
        if let error = ServerError.carried(by: error) { return .server(detail: error.code.rawValue) }
        if let error = error as? E2EEError { return error }
        return .server(detail: String(describing: type(of: error)))
    }

    static func ratchetError(_ error: RatchetError) -> E2EEError {
        switch error {
        case .messageTooLong(let characters): .messageTooLong(characters: characters)
        case .identityChanged(let address), .foreignIdentityKey(let address):
            .identityChanged(user: address.user, devices: [address.device])
        case .preKeyBundleRequired(let user, _): .noBundle(user: user)
        default: .crypto(detail: error.description)
        }
    }

    var now: Date { clock() }
}
