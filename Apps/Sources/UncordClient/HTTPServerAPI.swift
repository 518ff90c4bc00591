public import AsyncHTTPClient
public import Foundation
public import Logging
internal import NIOHTTP1
public import UncordProtocol

/// The engine's ``ServerAPI`` over HTTP: every route of UNCORD_API.md the engine needs, plus the DM channel and
/// device routes an app needs around it.
///
/// Each call sends `Authorization: Bearer <token>` to `baseURL` + `/api/v1/…`, writes and reads bodies with
/// ``WireJSON``, unwraps `{"data": …}` and throws ``ClientError`` for everything else. Logs name the method, the
/// route and the status; never the token or a body.
///
/// ```swift
/// let api = HTTPServerAPI(baseURL: serverURL, token: token, logger: logger)
/// let engine = try E2EEEngine(store: store, server: api, logger: logger)
/// try await engine.bootstrap()
/// ```
public struct HTTPServerAPI: ServerAPI {
    /// The server's root, such as `http://127.0.0.1:8080`; routes are under `/api/v1`.
    public let baseURL: URL
    /// How long one call may wait for the answer's head; the body then reads under the client's read timeout.
    public let timeout: Duration
    /// The largest answer body read; a longer one fails as ``ClientError/transport(reason:)``.
    public let maximumBodySize: Int
    /// How a `429 Too Many Requests` is waited out and retried.
    public let rateLimit: RateLimitPolicy
    private let tokens: any AccessTokenProvider
    private let transport: HTTPTransport
    private let logger: Logger

    /// A client for the server at `baseURL` that authenticates with the access tokens `tokens` provides, renewing
    /// one the server refuses (401) once per call.
    /// - Parameters:
    ///   - client: the AsyncHTTPClient to send through; the shared one by default. The caller owns its lifetime.
    ///   - timeout: the deadline of each call.
    ///   - maximumBodySize: the largest answer body accepted.
    public init(
        baseURL: URL, tokens: any AccessTokenProvider, client: HTTPClient = .shared, timeout: Duration = .seconds(30),
        maximumBodySize: Int = 16 << 20, rateLimit: RateLimitPolicy = RateLimitPolicy(), logger: Logger
    ) {
        self.rateLimit = rateLimit
        self.baseURL = baseURL
        self.tokens = tokens
        self.timeout = timeout
        self.maximumBodySize = maximumBodySize
        self.logger = logger
        transport = HTTPTransport(
            baseURL: baseURL, client: client, timeout: timeout, maximumBodySize: maximumBodySize,
            rateLimit: rateLimit, logger: logger)
    }

    /// A client for the server at `baseURL` that presents the one access `token` (``FixedAccessToken``).
    public init(
        baseURL: URL, token: String, client: HTTPClient = .shared, timeout: Duration = .seconds(30),
        maximumBodySize: Int = 16 << 20, rateLimit: RateLimitPolicy = RateLimitPolicy(), logger: Logger
    ) {
        self.init(
            baseURL: baseURL, tokens: FixedAccessToken(token), client: client, timeout: timeout,
            maximumBodySize: maximumBodySize, rateLimit: rateLimit, logger: logger)
    }

    // MARK: ServerAPI

    /// `POST /users/@me/devices`: registers this device and its identity key; answers the stored device.
    public func registerDevice(_ request: RegisterDeviceRequest) async throws -> Device {
        try await data(.POST, "/users/@me/devices", body: encode(request))
    }

    /// `PUT /users/@me/devices/{device_id}/signed-pre-key`: replaces the device's signed pre-key (204).
    public func uploadSignedPreKey(device: UUID, _ request: UploadSignedPreKeyRequest) async throws {
        try await noContent(.PUT, "/users/@me/devices/\(device.wire)/signed-pre-key", body: encode(request))
    }

    /// `POST /users/@me/devices/{device_id}/one-time-pre-keys`: adds 1…100 one-time pre-keys (204).
    public func uploadOneTimePreKeys(device: UUID, _ request: UploadOneTimePreKeysRequest) async throws {
        try await noContent(.POST, "/users/@me/devices/\(device.wire)/one-time-pre-keys", body: encode(request))
    }

    /// `GET /users/@me/devices/{device_id}/one-time-pre-keys/count`: how many one-time pre-keys the server holds.
    public func oneTimePreKeyCount(device: UUID) async throws -> Int {
        let count: OneTimePreKeyCount = try await data(
            .GET, "/users/@me/devices/\(device.wire)/one-time-pre-keys/count")
        return count.count
    }

    /// `GET /users/{user_id}/keys`: one bundle per device of the user; consumes one one-time pre-key per device.
    public func keyBundle(of user: UUID) async throws -> UserKeyBundle {
        try await data(.GET, "/users/\(user.wire)/keys")
    }

    /// `GET /users/@me/devices`: the signed-in user's devices, ordered by creation.
    public func devices() async throws -> [Device] {
        try await data(.GET, "/users/@me/devices")
    }

    /// `POST /dm/{channel_id}/messages` with `body` sent byte for byte; answers the created message.
    public func sendMessage(channel: UUID, body: [UInt8]) async throws -> Message {
        try await data(.POST, "/dm/\(channel.wire)/messages", body: body)
    }

    /// `GET /dm/{channel_id}/messages?before=&limit=` with `X-Device-ID: device`: each message carries at most that
    /// device's key wrap.
    public func messages(channel: UUID, device: UUID, before: UUID?, limit: Int?) async throws -> [Message] {
        var query: [(String, String)] = []
        if let before { query.append(("before", before.wire)) }
        if let limit { query.append(("limit", String(limit))) }
        return try await data(
            .GET, "/dm/\(channel.wire)/messages", query: query, headers: [("X-Device-ID", device.wire)])
    }

    /// `DELETE /users/@me/devices/{device_id}`: removes a device with its keys (204).
    public func deleteDevice(_ device: UUID) async throws {
        try await noContent(.DELETE, "/users/@me/devices/\(device.wire)")
    }

    // MARK: Routes an app needs beside the engine

    /// `PUT /users/@me/devices/{device_id}/identity-key`: replaces a device's identity key (204).
    public func updateIdentityKey(device: UUID, _ request: UpdateIdentityKeyRequest) async throws {
        try await noContent(.PUT, "/users/@me/devices/\(device.wire)/identity-key", body: encode(request))
    }

    /// `POST /users/@me/channels`: opens a DM (or group DM) channel and answers it.
    public func createDMChannel(_ request: CreateDMChannelRequest) async throws -> DMChannel {
        try await data(.POST, "/users/@me/channels", body: encode(request))
    }

    /// `GET /users/@me/channels`: the signed-in user's DM channels.
    public func dmChannels() async throws -> [DMChannel] {
        try await data(.GET, "/users/@me/channels")
    }

    // MARK: Plumbing

    /// Sends a request and decodes `{"data": T}` from a 200 or 201 answer.
    func data<T: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) async throws(ClientError) -> T {
        try HTTPTransport.data(
            try await send(.init(method: method, path: path, query: query, headers: headers, body: body)))
    }

    /// Sends a request whose success answer has no value worth reading (204, or 200/201 with any body).
    func noContent(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(ClientError) {
        try HTTPTransport.noContent(try await send(.init(method: method, path: path, body: body)))
    }

    /// Sends one request with the current access token. A 401 renews the token once (``AccessTokenProvider``) and
    /// sends the request again; a 429 is waited out by the transport.
    func send(_ request: HTTPTransport.Request) async throws(ClientError) -> HTTPTransport.Answer {
        let token = try await tokens.accessToken()
        let answer = try await transport.send(request, bearer: token)
        guard answer.status == 401 else { return answer }
        logger.info("access token refused; renewing", metadata: ["route": "\(request.path)"])
        let renewed: String
        do {
            renewed = try await tokens.renewAccessToken(rejected: token)
        } catch .unauthorized {
            return answer
        }
        return try await transport.send(request, bearer: renewed)
    }

    /// The JSON text of a request body.
    func encode(_ value: some Encodable) throws(ClientError) -> [UInt8] { try HTTPTransport.encode(value) }
}

extension UUID {
    /// The UUID as the wire writes it: lowercase.
    var wire: String { uuidString.lowercased() }
}
