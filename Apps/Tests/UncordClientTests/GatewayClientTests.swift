import Foundation
import Logging
import Testing
import UncordClient
import UncordProtocol

/// GatewayClient against a live fake gateway: identify, heartbeats, resume with the last `s`, op 9, close codes.
@Suite struct GatewayClientTests {
    static let configuration = GatewayConfiguration(
        helloTimeout: .seconds(5), initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200),
        maximumAttempts: 5)

    /// Runs the client to its end against `scripts`; answers the frames it delivered (as `s`/`t` pairs), what it
    /// threw and the gateway's record.
    func run(_ scripts: [GatewayScript], heartbeat: Int) async throws -> (
        frames: [String], error: ClientError?, state: FakeGatewayState
    ) {
        let state = FakeGatewayState(scripts: scripts)
        let box = ResultBox()
        try await withFakeGateway(state, heartbeat: heartbeat) { url in
            let client = GatewayClient(
                baseURL: url, token: "secret-token", configuration: Self.configuration, logger: Logger(label: "test"))
            let collector = Task {
                var seen: [String] = []
                for await received in client.frames {
                    let frame = try #require(received.frame)
                    seen.append("\(frame.sequence.map(String.init) ?? "-") \(frame.type?.rawValue ?? "?")")
                }
                return seen
            }
            do throws(ClientError) {
                try await client.run()
            } catch {
                await box.set(error: error)
            }
            await box.set(frames: try await collector.value)
        }
        return (await box.frames, await box.error, state)
    }

    @Test func identifiesResumesWithTheLastSequenceAndDeliversInOrder() async throws {
        let scripts = [
            // First session: READY and two events, then a drop after two acknowledged heartbeats.
            GatewayScript(
                frames: [
                    ready(1, session: "one"), dispatch(2, "DM_MESSAGE_DELETE"), dispatch(nil, "TYPING_START"),
                    dispatch(3, "KEY_BUNDLE_LOW"),
                ],
                closeAfterHeartbeats: 2, closeCode: 1001),
            // Resumed: the replay, RESUMED, then an invalid session that may not be resumed.
            GatewayScript(
                frames: [
                    dispatch(4, "DM_MESSAGE_CREATE"), dispatch(5, "DM_MESSAGE_UPDATE"), dispatch(nil, "RESUMED"),
                    #"{"op":9,"d":false}"#,
                ]),
            // A new session, then the token is refused (at once: a heartbeat here could be late under load, and the
            // client would take the lateness for a lost connection and open a fourth).
            GatewayScript(
                frames: [ready(1, session: "two"), dispatch(2, "DM_CHANNEL_CREATE")], closeAfterHeartbeats: 0,
                closeCode: 4004),
        ]
        let (frames, error, state) = try await run(scripts, heartbeat: 250)
        #expect(
            frames == [
                "1 READY", "2 DM_MESSAGE_DELETE", "- TYPING_START", "3 KEY_BUNDLE_LOW", "4 DM_MESSAGE_CREATE",
                "5 DM_MESSAGE_UPDATE", "- RESUMED", "1 READY", "2 DM_CHANNEL_CREATE",
            ])
        #expect(error == .gatewayClosed(.authenticationFailed))
        let openings = await state.openings
        try #require(openings.count == 3)
        #expect(openings[0].op == .identify)
        #expect(try openings[0].decodeData(as: Identify.self) == Identify(token: "secret-token"))
        #expect(openings[1].op == .resume)
        #expect(
            try openings[1].decodeData(as: Resume.self) == Resume(token: "secret-token", sessionID: "one", sequence: 3))
        #expect(openings[2].op == .identify)
        #expect(await state.heartbeats >= 1)  // at least one heartbeat was sent; how many depends on machine load
    }

    /// Only the first connection beats at all: the client has a second and a half to read its two frames before
    /// the missed acknowledgement can be noticed (it takes milliseconds), and the later connections' minute-long
    /// interval means no load can make them miss one too and add a connection.
    @Test func aMissedAcknowledgementReconnectsAndResumes() async throws {
        let scripts = [
            GatewayScript(
                frames: [ready(1, session: "quiet"), dispatch(2, "DM_MESSAGE_CREATE")], acksHeartbeats: false,
                heartbeat: 750),
            GatewayScript(frames: [#"{"op":7}"#]),
            GatewayScript(frames: [], closeAfterHeartbeats: 0, closeCode: 4004),
        ]
        let (frames, error, state) = try await run(scripts, heartbeat: 60_000)
        #expect(frames == ["1 READY", "2 DM_MESSAGE_CREATE"])
        #expect(error == .gatewayClosed(.authenticationFailed))
        let openings = await state.openings
        try #require(openings.count == 3)
        #expect(try openings[1].decodeData(as: Resume.self).sequence == 2)
        #expect(try openings[2].decodeData(as: Resume.self).sessionID == "quiet")
    }

    @Test func aRateLimitedCloseWaitsAtLeastTheFloorDoublingWhenRepeated() async throws {
        let state = FakeGatewayState(scripts: [
            GatewayScript(frames: [ready(1, session: "busy")], closeAfterHeartbeats: 0, closeCode: 4008),
            GatewayScript(frames: [dispatch(nil, "RESUMED")], closeAfterHeartbeats: 0, closeCode: 4008),
            GatewayScript(frames: [dispatch(nil, "RESUMED")], closeAfterHeartbeats: 0, closeCode: 1001),
            GatewayScript(frames: [], closeAfterHeartbeats: 0, closeCode: 4004),
        ])
        let configuration = GatewayConfiguration(
            helloTimeout: .seconds(5), initialBackoff: .milliseconds(10), maximumBackoff: .seconds(3),
            maximumAttempts: 5, rateLimitedBackoff: .seconds(1))
        let box = ResultBox()
        try await withFakeGateway(state, heartbeat: 5000) { url in
            let client = GatewayClient(
                baseURL: url, token: "secret-token", configuration: configuration, logger: Logger(label: "test"))
            let drain = Task { for await _ in client.frames {} }
            do throws(ClientError) {
                try await client.run()
            } catch {
                await box.set(error: error)
            }
            await drain.value
        }
        #expect(await box.error == .gatewayClosed(.authenticationFailed))
        let openings = await state.openings
        let times = await state.openedAt
        try #require(times.count == 4)
        #expect(openings[1].op == .resume && openings[2].op == .resume)
        // The first 4008 waits the floor, the second twice it; neither uses the 10 ms ordinary backoff.
        #expect(times[1] - times[0] >= .seconds(1))
        #expect(times[2] - times[1] >= .seconds(2))
        print("delays after 4008, 4008, 1001:", times[1] - times[0], times[2] - times[1], times[3] - times[2])
    }

    /// A stop that lands while a connection fetches its token ends the run: no connection is opened after it. (It
    /// was lost: the connection opened a session that nothing ended, and the run never returned.)
    @Test func aStopWhileTheTokenIsFetchedEndsTheRun() async throws {
        let state = FakeGatewayState(scripts: [GatewayScript(frames: [ready(1, session: "after-the-stop")])])
        let tokens = GatedAccessToken()
        let ended = EndMark()
        try await withFakeGateway(state, heartbeat: 60_000) { url in
            let client = GatewayClient(
                baseURL: url, tokens: tokens, configuration: Self.configuration, logger: Logger(label: "test"))
            let running = Task {
                try? await client.run()
                await ended.mark()
            }
            while await tokens.requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
            await client.stop()
            await tokens.open()
            // A minute: far past anything load makes of a run that has nothing left to do.
            let deadline = ContinuousClock.now + .seconds(60)
            while await !ended.isMarked, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await ended.isMarked, "run() went on after stop()")
            running.cancel()
        }
        #expect(await state.openings.isEmpty)
    }

    @Test func closeCodesMapToReasons() {
        #expect(GatewayCloseReason(code: 4004).isFatal)
        #expect(!GatewayCloseReason(code: 4009).canResume)
        #expect(GatewayCloseReason(code: 4009) == .sessionTimedOut)
        #expect(GatewayCloseReason(code: 4000).canResume)
        #expect(GatewayCloseReason(code: nil) == .other(code: nil))
    }
}

/// Collects a run's outcome across tasks.
actor ResultBox {
    private(set) var frames: [String] = []
    private(set) var error: ClientError?

    func set(frames: [String]) {
        self.frames = frames
    }

    func set(error: ClientError) {
        self.error = error
    }
}

/// Set once something has ended.
actor EndMark {
    private(set) var isMarked = false

    func mark() { isMarked = true }
}

/// An access token handed out only once the test opens the gate, so that a stop can land while a connection is
/// fetching its token.
actor GatedAccessToken: AccessTokenProvider {
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    /// How many times a token was asked for.
    private(set) var requests = 0

    func accessToken() async throws(ClientError) -> String {
        requests += 1
        if !isOpen { await withCheckedContinuation { waiting.append($0) } }
        return "secret-token"
    }

    func renewAccessToken(rejected token: String) async throws(ClientError) -> String {
        throw .unauthorized(code: .unauthorised, message: "")
    }

    /// Answers every request waiting, and every later one at once.
    func open() {
        isOpen = true
        for request in waiting { request.resume() }
        waiting = []
    }
}
