internal import AsyncHTTPClient
internal import Foundation
internal import Logging
internal import NIOCore
internal import NIOHTTP1
internal import UncordProtocol

/// One HTTP exchange with the server, shared by ``HTTPServerAPI`` and ``AuthAPI``: builds the request under
/// `/api/v1`, waits out a 429 as ``RateLimitPolicy`` says, and maps every failure to a ``ClientError``. Logs name the
/// method, the route and the status; never a header value or a body.
struct HTTPTransport: Sendable {
    let baseURL: URL
    let client: HTTPClient
    let timeout: Duration
    let maximumBodySize: Int
    let rateLimit: RateLimitPolicy
    let logger: Logger

    /// A request: its method, route under `/api/v1`, query, extra headers and body.
    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body: [UInt8]?
    }

    /// An answer: its status and body.
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// Sends `request` with `Authorization: Bearer <bearer>` when given, retrying after a 429; answers whatever
    /// final status came (a 429 after the last try included).
    func send(_ request: Request, bearer: String?) async throws(ClientError) -> Answer {
        var attempt = 1
        while true {
            let answer = try await sendOnce(request, bearer: bearer)
            guard answer.status == 429, attempt < rateLimit.maximumAttempts else {
                return Answer(status: answer.status, body: answer.body)
            }
            let delay = rateLimit.delay(
                beforeRetry: attempt, retryAfter: answer.retryAfter, jitter: Double.random(in: 0.5...1))
            logger.info("rate limited; waiting", metadata: ["route": "\(request.path)", "delay": "\(delay)"])
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
        _ request: Request, bearer: String?
    ) async throws(ClientError) -> (status: Int, body: [UInt8], retryAfter: String?) {
        var http = HTTPClientRequest(url: try url(request.path, query: request.query))
        http.method = request.method
        if let bearer { http.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        http.headers.add(name: "Accept", value: "application/json")
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
        }
        let (method, path) = (request.method, request.path)
        let status: Int
        let bytes: [UInt8]
        let retryAfter: String?
        do {
            let response = try await client.execute(http, timeout: TimeAmount(timeout))
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

    /// Decodes `{"data": T}` from a 200 or 201 answer; any other answer is its error.
    static func data<T: Decodable>(_ answer: Answer) throws(ClientError) -> T {
        guard answer.status == 200 || answer.status == 201 else { throw failure(answer) }
        do {
            return try WireJSON.decode(DataEnvelope<T>.self, from: answer.body).data
        } catch {
            throw .decoding(error)
        }
    }

    /// Accepts any 2xx answer; any other is its error.
    static func noContent(_ answer: Answer) throws(ClientError) {
        guard (200..<300).contains(answer.status) else { throw failure(answer) }
    }

    /// The error for an answer that is not a success: the server's error body when it has one.
    static func failure(_ answer: Answer) -> ClientError {
        let status = answer.status
        guard !(200..<300).contains(status) else { return .unexpectedStatus(status) }
        guard let error = try? WireJSON.decode(ServerError.self, from: answer.body) else {
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
    static func encode(_ value: some Encodable) throws(ClientError) -> [UInt8] {
        do {
            return try WireJSON.encode(value)
        } catch {
            throw .invalidRequest(reason: error.description)
        }
    }
}
