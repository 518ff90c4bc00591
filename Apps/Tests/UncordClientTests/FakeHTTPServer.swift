import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// One request the fake server received.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: String
    var authorization: String?
    var deviceID: String?
    var body: [UInt8]
}

/// A canned answer: a status and a body text (empty for none).
struct CannedAnswer: Sendable {
    var status: Int
    var body: String
    var retryAfter: String? = nil
}

/// What the fake server answers and what it received.
actor FakeHTTPState {
    private(set) var requests: [RecordedRequest] = []
    private var answers: [String: CannedAnswer] = [:]
    private var queued: [String: [CannedAnswer]] = [:]

    /// Answers the next requests to `method path` with `answers`, in order, before the one ``set(_:_:_:)`` gave.
    func queue(_ method: String, _ path: String, _ answers: [CannedAnswer]) {
        queued["\(method) \(path)", default: []] += answers
    }

    /// Answers `method path` (path without the query) with `answer`.
    func set(_ method: String, _ path: String, _ answer: CannedAnswer) {
        answers["\(method) \(path)"] = answer
    }

    /// Answers `method path` to requests that present `authorization` with `answer`, before any other answer.
    func set(_ method: String, _ path: String, authorization: String, _ answer: CannedAnswer) {
        answers["\(method) \(path) \(authorization)"] = answer
    }

    func answer(for request: RecordedRequest) -> CannedAnswer {
        requests.append(request)
        let key = "\(request.method) \(request.path)"
        if let authorization = request.authorization, let answer = answers["\(key) \(authorization)"] {
            return answer
        }
        if var waiting = queued[key], !waiting.isEmpty {
            let next = waiting.removeFirst()
            queued[key] = waiting
            return next
        }
        return answers[key]
            ?? CannedAnswer(status: 404, body: #"{"error":{"code":"NOT_FOUND","message":"no such route"}}"#)
    }
}

/// Runs `body` with the base URL of a live Hummingbird server on 127.0.0.1 (port 0) that records every request
/// and answers from `state`.
func withFakeHTTPServer(
    _ state: FakeHTTPState, _ body: @escaping @Sendable (URL) async throws -> Void
) async throws {
    let router = Router()
    let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        let buffer = try await request.body.collect(upTo: 1 << 20)
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            authorization: request.headers[.authorization],
            deviceID: HTTPField.Name("X-Device-ID").flatMap { request.headers[$0] },
            body: Array(buffer.readableBytesView))
        let answer = await state.answer(for: recorded)
        var headers = HTTPFields()
        if !answer.body.isEmpty { headers[.contentType] = "application/json" }
        if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
    for method in [HTTPRequest.Method.get, .post, .put, .delete] {
        router.on("**", method: method, use: handler)
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        let port = try #require(client.port)
        let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
        try await body(url)
    }
}
