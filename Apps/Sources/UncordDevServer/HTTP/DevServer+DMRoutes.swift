import Foundation
import HTTPTypes
import Hummingbird
import UncordProtocol

extension DevServer {
    /// The DM channel and message routes of UNCORD_API.md.
    func addDMRoutes(to api: RouterGroup<DevContext>) {
        let database = self.database
        let storingKeys = !configuration.publishedDefects
        api.post(
            "users/@me/channels",
            use: handler { request, _ in
                let user = try user(of: request)
                let body = try await Self.decode(CreateDMChannelRequest.self, from: request)
                let (channel, events) = try database.createChannel(user: user, body)
                await fire(events)
                return try Self.data(channel, status: .created)
            })
        api.get(
            "users/@me/channels",
            use: handler { request, _ in
                try Self.data(try database.channels(user: try user(of: request)))
            })
        api.get(
            "dm/:channel_id/messages",
            use: handler { request, context in
                let user = try user(of: request)
                let channel = try Self.uuid("channel_id", in: context, notFound: .notFound("unknown channel"))
                let device = try Self.deviceHeader(of: request)
                let query = request.uri.queryParameters
                var before: UUID?
                if let text = query.get("before") {
                    guard let id = UUID(uuidString: text) else { throw DevServerError.validation("before is no UUID") }
                    before = id
                }
                var limit: Int?
                if let text = query.get("limit") {
                    guard let value = Int(text), value > 0 else { throw DevServerError.validation("limit is invalid") }
                    limit = value
                }
                let messages = try database.messages(
                    user: user, channel: channel, device: device, before: before, limit: limit)
                return try Self.data(messages)
            })
        api.post(
            "dm/:channel_id/messages",
            use: handler { request, context in
                let user = try user(of: request)
                let channel = try Self.uuid("channel_id", in: context, notFound: .notFound("unknown channel"))
                let body = try await Self.decode(SendMessageRequest.self, from: request)
                let (message, events) = try database.postMessage(
                    user: user, channel: channel, body, storingKeys: storingKeys)
                await fire(events)
                return try Self.data(message, status: .created)
            })
    }

    /// The `X-Device-ID` header as a UUID, if present.
    static func deviceHeader(of request: Request) throws(DevServerError) -> UUID? {
        guard let name = HTTPField.Name("X-Device-ID"), let text = request.headers[name] else { return nil }
        guard let device = UUID(uuidString: text) else { throw .validation("X-Device-ID is not a UUID") }
        return device
    }
}
