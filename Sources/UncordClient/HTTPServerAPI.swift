public import AsyncHTTPClient
public import Foundation
public import Logging
internal import NIOCore
internal import NIOHTTP1
public import UncordE2EE
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
    private let token: String
    private let client: HTTPClient
    private let logger: Logger

    /// A client for the server at `baseURL` that authenticates with the access `token`.
    /// - Parameters:
    ///   - client: the AsyncHTTPClient to send through; the shared one by default. The caller owns its lifetime.
    ///   - timeout: the deadline of each call.
    ///   - maximumBodySize: the largest answer body accepted.
    public init(
        baseURL: URL, token: String, client: HTTPClient = .shared, timeout: Duration = .seconds(30),
        maximumBodySize: Int = 16 << 20, rateLimit: RateLimitPolicy = RateLimitPolicy(), logger: Logger
    ) {
        self.rateLimit = rateLimit
        self.baseURL = baseURL
        self.token = token
        self.client = client
        self.timeout = timeout
        self.maximumBodySize = maximumBodySize
        self.logger = logger
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
        let answer = try await send(method, path, query: query, headers: headers, body: body)
        guard answer.status == 200 || answer.status == 201 else {
            throw .unexpectedStatus(answer.status)
        }
        do {
            return try WireJSON.decode(DataEnvelope<T>.self, from: answer.body).data
        } catch {
            throw .decoding(error)
        }
    }

    /// Sends a request whose success answer has no value worth reading (204, or 200/201 with any body).
    func noContent(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(ClientError) {
        let answer = try await send(method, path, query: [], headers: [], body: body)
        guard (200...204).contains(answer.status) else { throw .unexpectedStatus(answer.status) }
    }

    /// Sends one request and answers its 2xx status and body; maps every other outcome to a ``ClientError``. A 429
    /// is waited out and the same request sent again, as ``rateLimit`` says.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], headers: [(String, String)],
        body: [UInt8]?
    ) async throws(ClientError) -> (status: Int, body: [UInt8]) {
        var attempt = 1
        while true {
            let answer = try await sendOnce(method, path, query: query, headers: headers, body: body)
            guard answer.status == 429, attempt < rateLimit.maximumAttempts else {
                if (200..<300).contains(answer.status) { return (answer.status, answer.body) }
                throw Self.failure(status: answer.status, body: answer.body)
            }
            let delay = rateLimit.delay(
                beforeRetry: attempt, retryAfter: answer.retryAfter, jitter: Double.random(in: 0.5...1))
            logger.info("rate limited; waiting", metadata: ["route": "\(path)", "delay": "\(delay)"])
            do {
                try await rateLimit.sleep(delay)
            } catch {
                throw .cancelled
            }
            attempt += 1
        }
    }

    /// Sends one request and answers whatever status came, with its body and `Retry-After`.
    private func sendOnce(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], headers: [(String, String)],
        body: [UInt8]?
    ) async throws(ClientError) -> (status: Int, body: [UInt8], retryAfter: String?) {
        var request = HTTPClientRequest(url: try url(path, query: query))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let bytes: [UInt8]
        let retryAfter: String?
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            var buffer = try await response.body.collect(upTo: maximumBodySize)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            let mapped = Self.transportError(error)
            logger.debug("request failed", metadata: ["method": "\(method)", "route": "\(path)", "error": "\(mapped)"])
            throw mapped
        }
        logger.debug("request answered", metadata: ["method": "\(method)", "route": "\(path)", "status": "\(status)"])
        return (status, bytes, retryAfter)
    }

    /// The error for a non-2xx answer: the server's error body when it has one.
    static func failure(status: Int, body: [UInt8]) -> ClientError {
        guard let error = try? WireJSON.decode(ServerError.self, from: body) else {
            return status == 401
                ? .unauthorized(code: .unauthorised, message: "") : .unexpectedStatus(status)
        }
        if status == 401 { return .unauthorized(code: error.code, message: error.message) }
        return .server(code: error.code, message: error.message, status: status)
    }

    /// The error for a failure below HTTP: a timeout, cancellation or broken connection.
    static func transportError(_ error: any Error) -> ClientError {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) { return .timedOut }
            if error == .cancelled { return .cancelled }
            if [.invalidURL, .emptyHost, .emptyScheme].contains(error) { return .invalidRequest(reason: "\(error)") }
            return .transport(reason: "\(error)")
        }
        if let error = error as? NIOTooManyBytesError { return .transport(reason: "answer too large (\(error))") }
        return .transport(reason: String(describing: type(of: error)))
    }

    /// `baseURL` + `/api/v1` + `path`, with the query items percent-encoded.
    func url(_ path: String, query: [(String, String)]) throws(ClientError) -> String {
        var root = baseURL.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        var text = root + "/api/v1" + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            guard let encoded = components.percentEncodedQuery else {
                throw .invalidRequest(reason: "query cannot be encoded")
            }
            text += "?" + encoded
        }
        return text
    }

    /// The JSON text of a request body.
    func encode(_ value: some Encodable) throws(ClientError) -> [UInt8] {
        do {
            return try WireJSON.encode(value)
        } catch {
            throw .invalidRequest(reason: error.description)
        }
    }
}

extension UUID {
    /// The UUID as the wire writes it: lowercase.
    var wire: String { uuidString.lowercased() }
}
