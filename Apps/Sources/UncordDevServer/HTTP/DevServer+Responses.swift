import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import UncordProtocol

/// The request context every route of the development server runs with: Hummingbird's WebSocket context plus the
/// connection's channel, which the gateway closes directly to drop a connection without a close frame.
struct DevContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<DevContext>
    /// The TCP channel the request arrived on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

extension DevServer {
    /// The largest request body accepted.
    static let maximumBodySize = 1 << 20

    /// Wraps a route: answers a thrown ``DevServerError`` with its `{"error": …}` body and anything else with
    /// `INTERNAL_ERROR`.
    func handler(
        _ body: @escaping @Sendable (Request, DevContext) async throws -> Response
    ) -> @Sendable (Request, DevContext) async throws -> Response {
        { request, context in
            do {
                return try await body(request, context)
            } catch let error as DevServerError {
                return Self.errorResponse(error)
            } catch {
                return Self.errorResponse(.internalError("the request failed"))
            }
        }
    }

    /// The signed-in user of `Authorization: Bearer <token>`: an access token this server issued and not expired
    /// (401 `TOKEN_EXPIRED` after its lifetime), or `dev:<uuid>`.
    func user(of request: Request) throws(DevServerError) -> UUID {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw .unauthorised("sign in (POST /api/v1/auth/login) or use Authorization: Bearer dev:<user-uuid>")
        }
        switch authority.accessTokens.user(of: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) {
        case .success(let user): return user
        case .failure(.expired): throw DevServerError(.unauthorized, .tokenExpired, "the access token has expired")
        case .failure(.invalid): throw .unauthorised("the access token is not valid")
        }
    }

    /// The request body decoded with ``WireJSON``; keys, signatures and wraps must be unpadded base64, as the real
    /// server reads them (``WireJSON`` also accepts padding): padded ones answer 400 `INVALID_KEY_MATERIAL`.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodySize)
        } catch {
            throw DevServerError(.contentTooLarge, .payloadTooLarge, "the body is too large")
        }
        let bytes = Array(buffer.readableBytesView)
        let value: T
        do {
            value = try WireJSON.decode(type, from: bytes)
        } catch {
            throw DevServerError.decoding(error)
        }
        if let field = paddedKeyField(in: try? JSONSerialization.jsonObject(with: Data(bytes))) {
            throw DevServerError.invalidKeyMaterial("\(field) must be base64 without padding")
        }
        return value
    }

    /// The name of the first key-material field in `json` whose base64 text is padded, if any.
    private static func paddedKeyField(in json: Any?) -> String? {
        if let object = json as? [String: Any] {
            for (name, value) in object {
                if DevServerError.keyMaterialFields.contains(name), let text = value as? String, text.hasSuffix("=") {
                    return name
                }
                if let found = paddedKeyField(in: value) { return found }
            }
        } else if let array = json as? [Any] {
            for element in array { if let found = paddedKeyField(in: element) { return found } }
        }
        return nil
    }

    /// A UUID path parameter; `notFound` when it is missing or not a UUID.
    static func uuid(
        _ name: String, in context: DevContext, notFound: DevServerError
    ) throws(DevServerError) -> UUID {
        guard let id = context.parameters.get(name, as: UUID.self) else { throw notFound }
        return id
    }

    /// `{"data": value}` with `status`.
    static func data(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        json(try WireJSON.encode(DataEnvelope(data: value)), status: status)
    }

    /// 204 with no body.
    static func noContent() -> Response { Response(status: .noContent) }

    /// The `{"error": {"code", "message"}}` answer for `error`.
    static func errorResponse(_ error: DevServerError) -> Response {
        let body = (try? WireJSON.encode(error.body)) ?? Array(#"{"error":{"code":"INTERNAL_ERROR"}}"#.utf8)
        return json(body, status: error.status)
    }

    private static func json(_ bytes: [UInt8], status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
