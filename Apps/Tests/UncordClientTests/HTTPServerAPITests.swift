import Foundation
import Logging
import Testing
import UncordClient
import UncordProtocol

/// HTTPServerAPI against a live fake server: routes, headers, bodies, envelopes and errors.
@Suite struct HTTPServerAPITests {
    static let key = String(repeating: "A", count: 43)  // 32 zero bytes, base64 without padding
    static let device = UUID(uuidString: "11111111-2222-4333-8444-555555555555") ?? UUID()
    static let channel = UUID(uuidString: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee") ?? UUID()
    static let deviceJSON = """
        {"id":"00000000-0000-4000-8000-000000000001","device_id":"11111111-2222-4333-8444-555555555555",\
        "label":"laptop","identity_key":"\(key)","created_at":"2026-01-02T03:04:05Z"}
        """

    func api(_ url: URL) -> HTTPServerAPI {
        HTTPServerAPI(baseURL: url, token: "secret-token", timeout: .seconds(60), logger: Logger(label: "test"))
    }

    @Test func successUnwrapsDataAndSendsTheToken() async throws {
        let state = FakeHTTPState()
        await state.set(
            "GET", "/api/v1/users/@me/devices", CannedAnswer(status: 200, body: #"{"data":[\#(Self.deviceJSON)]}"#))
        try await withFakeHTTPServer(state) { url in
            let devices = try await api(url).devices()
            #expect(devices.count == 1)
            #expect(devices.first?.deviceID == Self.device)
            #expect(devices.first?.identityKey == [UInt8](repeating: 0, count: 32))
        }
        let request = try #require(await state.requests.first)
        #expect(request.authorization == "Bearer secret-token")
        #expect(request.method == "GET")
    }

    @Test func registerSendsTheExactBodyAndReadsThe201() async throws {
        let state = FakeHTTPState()
        await state.set(
            "POST", "/api/v1/users/@me/devices", CannedAnswer(status: 201, body: #"{"data":\#(Self.deviceJSON)}"#))
        let request = RegisterDeviceRequest(
            deviceID: Self.device, label: "laptop", identityKey: [UInt8](repeating: 0, count: 32))
        try await withFakeHTTPServer(state) { url in
            let device = try await api(url).registerDevice(request)
            #expect(device.label == "laptop")
        }
        let recorded = try #require(await state.requests.first)
        #expect(recorded.body == (try WireJSON.encode(request)))
    }

    @Test func noContentAnswersAreAccepted() async throws {
        let state = FakeHTTPState()
        let path = "/api/v1/users/@me/devices/\(Self.device.uuidString.lowercased())/one-time-pre-keys"
        await state.set("POST", path, CannedAnswer(status: 204, body: ""))
        let upload = UploadOneTimePreKeysRequest(preKeys: [
            OneTimePreKey(keyID: 7, publicKey: [UInt8](repeating: 1, count: 32))
        ])
        try await withFakeHTTPServer(state) { url in
            try await api(url).uploadOneTimePreKeys(device: Self.device, upload)
        }
        let recorded = try #require(await state.requests.first)
        #expect(recorded.path == path)
        #expect(String(decoding: recorded.body, as: UTF8.self).hasPrefix(#"{"pre_keys":[{"key_id":7"#))
    }

    @Test func messageListSendsTheDeviceHeaderAndQuery() async throws {
        let state = FakeHTTPState()
        let path = "/api/v1/dm/\(Self.channel.uuidString.lowercased())/messages"
        await state.set("GET", path, CannedAnswer(status: 200, body: #"{"data":[]}"#))
        let before = UUID()
        try await withFakeHTTPServer(state) { url in
            let messages = try await api(url).messages(
                channel: Self.channel, device: Self.device, before: before, limit: 50)
            #expect(messages.isEmpty)
        }
        let recorded = try #require(await state.requests.first)
        #expect(recorded.deviceID == Self.device.uuidString.lowercased())
        #expect(recorded.query == "before=\(before.uuidString.lowercased())&limit=50")
    }

    @Test func errorBodiesBecomeTypedErrors() async throws {
        let state = FakeHTTPState()
        let user = UUID()
        await state.set(
            "GET", "/api/v1/users/\(user.uuidString.lowercased())/keys",
            CannedAnswer(status: 404, body: #"{"error":{"code":"KEY_BUNDLE_INCOMPLETE","message":"no bundle"}}"#))
        await state.set(
            "GET", "/api/v1/users/@me/devices",
            CannedAnswer(status: 401, body: #"{"error":{"code":"TOKEN_EXPIRED","message":"expired"}}"#))
        await state.set("GET", "/api/v1/users/@me/channels", CannedAnswer(status: 500, body: ""))
        try await withFakeHTTPServer(state) { url in
            let api = api(url)
            let missing = await #expect(throws: ClientError.self) { try await api.keyBundle(of: user) }
            #expect(missing == .server(code: .keyBundleIncomplete, message: "no bundle", status: 404))
            #expect(missing?.serverError == ServerError(code: .keyBundleIncomplete, message: "no bundle"))
            let expired = await #expect(throws: ClientError.self) { try await api.devices() }
            #expect(expired == .unauthorized(code: .tokenExpired, message: "expired"))
            let broken = await #expect(throws: ClientError.self) { try await api.dmChannels() }
            #expect(broken == .unexpectedStatus(500))
        }
    }

    @Test func malformedAnswersNameTheField() async throws {
        let state = FakeHTTPState()
        let noKey = Self.deviceJSON.replacingOccurrences(of: #""identity_key":"\#(Self.key)","#, with: "")
        await state.set("GET", "/api/v1/users/@me/devices", CannedAnswer(status: 200, body: #"{"data":[\#(noKey)]}"#))
        await state.set("GET", "/api/v1/users/@me/channels", CannedAnswer(status: 200, body: "{not json"))
        try await withFakeHTTPServer(state) { url in
            let api = api(url)
            let missing = await #expect(throws: ClientError.self) { try await api.devices() }
            #expect(missing == .decoding(path: "data[0].identity_key", reason: "missing"))
            let garbage = await #expect(throws: ClientError.self) { try await api.dmChannels() }
            guard case .decoding(let path, _) = garbage else {
                Issue.record("expected a decoding error, got \(String(describing: garbage))")
                return
            }
            #expect(path.isEmpty)
        }
    }

    @Test func aRefusedConnectionIsATransportError() async throws {
        let url = try #require(URL(string: "http://127.0.0.1:1"))
        let api = HTTPServerAPI(
            baseURL: url, token: "secret-token", timeout: .seconds(1), logger: Logger(label: "test"))
        let error = await #expect(throws: ClientError.self) { try await api.devices() }
        guard case .transport = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
    }

    @Test func theEngineReadsTheCarriedServerCode() {
        let error: any Error = ClientError.server(code: .duplicateKeyID, message: "", status: 409)
        #expect((error as? any ServerErrorCarrying)?.serverError?.code == .duplicateKeyID)
    }
}
