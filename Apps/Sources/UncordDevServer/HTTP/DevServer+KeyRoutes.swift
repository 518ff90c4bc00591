import HTTPTypes
import Hummingbird
import UncordProtocol

extension DevServer {
    /// The E2EE device and key routes of UNCORD_API.md.
    func addKeyRoutes(to api: RouterGroup<DevContext>) {
        let database = self.database
        let publishedDefects = configuration.publishedDefects
        api.post(
            "users/@me/devices",
            use: handler { request, _ in
                let user = try user(of: request)
                let body = try await Self.decode(RegisterDeviceRequest.self, from: request)
                // The published server's defect 1: its device count runs `SELECT COUNT(*) … FOR UPDATE`, which
                // PostgreSQL refuses, so every registration fails after the body was checked.
                if publishedDefects { throw DevServerError.internalError("An internal error occurred") }
                let (device, events) = try database.registerDevice(user: user, body)
                await fire(events)
                return try Self.data(device, status: .created)
            })
        api.get(
            "users/@me/devices",
            use: handler { request, _ in
                try Self.data(try database.devices(user: try user(of: request)))
            })
        api.delete(
            "users/@me/devices/:device_id",
            use: handler { request, context in
                let user = try user(of: request)
                let device = try Self.uuid("device_id", in: context, notFound: .unknownDevice())
                try database.deleteDevice(user: user, device: device)
                return Self.noContent()
            })
        api.put(
            "users/@me/devices/:device_id/identity-key",
            use: handler { request, context in
                let user = try user(of: request)
                let device = try Self.uuid("device_id", in: context, notFound: .unknownDevice())
                let body = try await Self.decode(UpdateIdentityKeyRequest.self, from: request)
                await fire(try database.replaceIdentityKey(user: user, device: device, key: body.identityKey))
                return Self.noContent()
            })
        api.put(
            "users/@me/devices/:device_id/signed-pre-key",
            use: handler { request, context in
                let user = try user(of: request)
                let device = try Self.uuid("device_id", in: context, notFound: .unknownDevice())
                let body = try await Self.decode(UploadSignedPreKeyRequest.self, from: request)
                try database.uploadSignedPreKey(user: user, device: device, body)
                return Self.noContent()
            })
        api.post(
            "users/@me/devices/:device_id/one-time-pre-keys",
            use: handler { request, context in
                let user = try user(of: request)
                let device = try Self.uuid("device_id", in: context, notFound: .unknownDevice())
                let body = try await Self.decode(UploadOneTimePreKeysRequest.self, from: request)
                try database.uploadOneTimePreKeys(user: user, device: device, body)
                return Self.noContent()
            })
        api.get(
            "users/@me/devices/:device_id/one-time-pre-keys/count",
            use: handler { request, context in
                let user = try user(of: request)
                let device = try Self.uuid("device_id", in: context, notFound: .unknownDevice())
                let count = try database.oneTimePreKeyCount(user: user, device: device)
                return try Self.data(OneTimePreKeyCount(count: count))
            })
        api.get(
            "users/:user_id/keys",
            use: handler { request, context in
                _ = try user(of: request)
                let target = try Self.uuid(
                    "user_id", in: context,
                    notFound: DevServerError(.notFound, .keyBundleIncomplete, "no such user"))
                let (bundle, events) = try database.keyBundle(of: target)
                await fire(events)
                return try Self.data(bundle)
            })
    }
}
