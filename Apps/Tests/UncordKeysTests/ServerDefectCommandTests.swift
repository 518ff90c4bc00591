#if os(Linux)
    import Foundation
    import Testing
    import UncordStore

    /// `uncord-keys` against a server with the published server's defect 1 (Docs/UNCORD_SERVER.md section 3): every
    /// device registration answers 500 `INTERNAL_ERROR`. The command ends with the one line that names it.
    @Suite struct ServerDefectCommandTests {
        @Test func aServerThatCannotRegisterDevicesIsNamedInOneLine() async throws {
            let server = try CannedHTTPServer { method, path in
                switch (method, path) {
                case ("GET", "/api/v1/users/@me/devices"): (200, #"{"data":[]}"#)
                case ("POST", "/api/v1/users/@me/devices"):
                    (500, #"{"error":{"code":"INTERNAL_ERROR","message":"An internal error occurred"}}"#)
                default: (404, #"{"error":{"code":"NOT_FOUND","message":"no such route"}}"#)
                }
            }
            defer { server.stop() }
            let harness = try KeysHarness()
            let alice = try harness.makeStore("alice")
            let run = try await harness.keys(
                alice, ["register"],
                environment: ["UNCORD_SERVER": "http://127.0.0.1:\(server.port)", "UNCORD_TOKEN": "token"])
            run.expectFailure(1, containing: ["error: this server cannot register devices: see Docs/UNCORD_SERVER.md"])
            #expect(!(try harness.open(alice).isRegistered()))
        }
    }
#endif
