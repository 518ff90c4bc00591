import Testing
import UncordProtocol

@testable import UncordClient

/// The gateway session's decisions with no I/O: each test tells ``GatewayStateMachine`` what happened and checks
/// what it answers.
@Suite struct GatewayStateMachineTests {
    typealias Machine = GatewayStateMachine

    static let user = "6f1c2a4e-0000-4000-8000-000000000001"
    static let hello = #"{"op":10,"d":{"heartbeat_interval":41250}}"#

    /// One received message.
    static func frame(_ text: String) -> ReceivedFrame {
        ReceivedFrame(bytes: Array(text.utf8))
    }

    static func ready(_ sequence: Int, session: String) -> String {
        #"{"op":0,"s":\#(sequence),"t":"READY","d":{"session_id":"\#(session)","user":{"id":"\#(user)"}}}"#
    }

    static func dispatch(_ sequence: Int?, _ type: String) -> String {
        #"{"op":0,\#(sequence.map { "\"s\":\($0)," } ?? "")"t":"\#(type)","d":{}}"#
    }

    /// A machine whose connection got Hello and READY (session `one`, `s` 3), then a dispatch numbered 3.
    static func established(maximumAttempts: Int? = nil) -> Machine {
        var machine = Machine(maximumAttempts: maximumAttempts)
        _ = machine.runStarted()
        machine.connecting()
        _ = machine.received(frame(hello))
        _ = machine.received(frame(ready(1, session: "one")))
        _ = machine.received(frame(dispatch(3, "DM_MESSAGE_CREATE")))
        return machine
    }

    // MARK: Hello and the opening frame

    @Test func helloOnANewSessionIdentifiesAndStartsBeating() {
        var machine = Machine(maximumAttempts: nil)
        machine.connecting()
        #expect(machine.received(Self.frame(Self.hello)) == .open(.identify, heartbeatInterval: .milliseconds(41250)))
    }

    @Test(arguments: [
        #"{"op":10}"#,
        #"{"op":10,"d":null}"#,
        #"{"op":10,"d":{}}"#,
        #"{"op":10,"d":{"heartbeat_interval":0}}"#,
        #"{"op":10,"d":{"heartbeat_interval":-5}}"#,
        #"{"op":10,"d":{"heartbeat_interval":1.5}}"#,
        #"{"op":10,"d":{"heartbeat_interval":"41250"}}"#,
        #"{"op":10,"d":[41250]}"#,
    ])
    func aBadHelloClosesAndReconnectsResuming(text: String) {
        var machine = Self.established()
        machine.connecting()
        #expect(machine.received(Self.frame(text)) == .close(.helloUnreadable))
        // Whatever code the close ends with, the Hello decided: resume, counted as a failed attempt.
        #expect(machine.closed(code: 4003) == .reconnect(resume: true, after: .backoff(failures: 1)))
        #expect(machine.opening == .resume(sessionID: "one", sequence: 3))
    }

    @Test func noHelloInTimeClosesAndResumesButAGreetedConnectionStays() {
        var machine = Self.established()
        machine.connecting()
        #expect(machine.helloTimeoutElapsed() == .close(.noHelloInTime))
        #expect(machine.closed(code: nil) == .reconnect(resume: true, after: .backoff(failures: 1)))
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        #expect(machine.helloTimeoutElapsed() == Machine.Action.none)
    }

    @Test func anUnwritableOpeningStopsWithAnInvalidRequest() {
        var machine = Machine(maximumAttempts: nil)
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        #expect(machine.openingFailed(reason: "no") == .close(.openingUnwritable))
        #expect(machine.closed(code: 4000) == .fail(.invalidRequest(reason: "no")))
    }

    // MARK: Dispatches, READY and RESUMED

    @Test func readyThenDispatchesAreDeliveredAndTheirHighestSequenceIsResumedFrom() {
        var machine = Machine(maximumAttempts: nil)
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        let table: [(text: String, sequence: Int64?)] = [
            (Self.ready(1, session: "one"), 1),
            (Self.dispatch(2, "DM_MESSAGE_CREATE"), 2),
            (Self.dispatch(nil, "TYPING_START"), 2),
            (Self.dispatch(5, "DM_MESSAGE_UPDATE"), 5),
            (Self.dispatch(4, "DM_MESSAGE_DELETE"), 5),  // an older number never moves it back
            (#"{"op":0,"s":6,"t":"SOME_LATER_EVENT","d":{"x":1}}"#, 6),
        ]
        for (text, sequence) in table {
            #expect(machine.received(Self.frame(text)) == .deliver, "\(text)")
            #expect(machine.lastSequence == sequence, "\(text)")
        }
        #expect(machine.sessionID == "one")
        #expect(machine.opening == .resume(sessionID: "one", sequence: 6))
    }

    @Test func aReadyWithoutAReadablePayloadIsDeliveredAndKeepsNoSession() {
        var machine = Machine(maximumAttempts: nil)
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        #expect(machine.received(Self.frame(#"{"op":0,"s":1,"t":"READY","d":{"session_id":7}}"#)) == .deliver)
        #expect(machine.sessionID == nil)
        #expect(machine.opening == .identify)
    }

    @Test func resumedEstablishesTheConnectionSoTheNextDropIsNoFailure() {
        var machine = Self.established()
        // Two attempts that reach nothing count as failures …
        machine.connecting()
        #expect(machine.failed() == .reconnect(resume: true, after: .backoff(failures: 1)))
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        #expect(machine.closed(code: 1006) == .reconnect(resume: true, after: .backoff(failures: 2)))
        // … a RESUMED ends the count.
        machine.connecting()
        #expect(
            machine.received(Self.frame(Self.hello))
                == .open(
                    .resume(sessionID: "one", sequence: 3), heartbeatInterval: .milliseconds(41250)))
        #expect(machine.received(Self.frame(Self.dispatch(nil, "RESUMED"))) == .deliver)
        #expect(machine.received(Self.frame(Self.dispatch(4, "DM_MESSAGE_CREATE"))) == .deliver)
        #expect(machine.closed(code: 1001) == .reconnect(resume: true, after: .backoff(failures: 0)))
        #expect(machine.opening == .resume(sessionID: "one", sequence: 4))
    }

    @Test func otherMessagesArePassedOnOrAnswered() {
        var machine = Self.established()
        #expect(machine.received(Self.frame("not json")) == .deliver)
        #expect(machine.received(Self.frame(#"{"s":1}"#)) == .deliver)
        #expect(machine.received(Self.frame(#"{"op":1}"#)) == .sendHeartbeat)
        #expect(machine.received(Self.frame(#"{"op":11}"#)) == Machine.Action.none)
        #expect(machine.lastSequence == 3)
    }

    // MARK: Op 7 and op 9

    @Test func reconnectClosesAndResumes() {
        var machine = Self.established()
        #expect(machine.received(Self.frame(#"{"op":7}"#)) == .close(.reconnectRequested))
        // The connection's own decision stands whatever the close says.
        #expect(machine.closed(code: 4009) == .reconnect(resume: true, after: .backoff(failures: 0)))
        machine.connecting()
        #expect(
            machine.received(Self.frame(Self.hello))
                == .open(
                    .resume(sessionID: "one", sequence: 3), heartbeatInterval: .milliseconds(41250)))
    }

    @Test(arguments: [
        (#"{"op":9,"d":true}"#, true),
        (#"{"op":9,"d":false}"#, false),
        (#"{"op":9}"#, false),
        (#"{"op":9,"d":"true"}"#, false),
    ])
    func invalidSessionResumesOnlyWhenItSaysTrue(text: String, resumable: Bool) {
        var machine = Self.established()
        #expect(machine.received(Self.frame(text)) == .close(.sessionInvalid(resumable: resumable)))
        #expect(machine.failed() == .reconnect(resume: resumable, after: .backoff(failures: 0)))
        #expect(machine.opening == (resumable ? .resume(sessionID: "one", sequence: 3) : .identify))
        #expect(machine.lastSequence == (resumable ? 3 : nil))
    }

    // MARK: Heartbeats

    @Test func acknowledgedHeartbeatsGoOnAndAMissedOneClosesAndResumes() {
        var machine = Self.established()
        #expect(machine.heartbeatDue() == .sendHeartbeat)
        #expect(machine.received(Self.frame(#"{"op":11}"#)) == Machine.Action.none)
        #expect(machine.heartbeatDue() == .sendHeartbeat)
        // No ACK before the next beat is due.
        #expect(machine.heartbeatDue() == .close(.heartbeatNotAcknowledged))
        #expect(machine.closed(code: nil) == .reconnect(resume: true, after: .backoff(failures: 0)))
        #expect(machine.opening == .resume(sessionID: "one", sequence: 3))
        // A new connection starts acknowledged.
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        #expect(machine.heartbeatDue() == .sendHeartbeat)
    }

    // MARK: Close codes

    /// Every close code the gateway can end a connection with (Docs/DEVSERVER.md: the dev server sends 4000–4005
    /// and 4008, never 4007 or 4009, which the real server may), and normal closures, after an established session.
    @Test(arguments: [
        (UInt16?(4000), Machine.Next.reconnect(resume: true, after: .backoff(failures: 0))),
        (4001, .reconnect(resume: true, after: .backoff(failures: 0))),
        (4002, .reconnect(resume: true, after: .backoff(failures: 0))),
        (4003, .reconnect(resume: false, after: .backoff(failures: 0))),
        (4004, .renewToken),
        (4005, .reconnect(resume: true, after: .backoff(failures: 0))),
        (4006, .reconnect(resume: true, after: .backoff(failures: 0))),
        (4007, .reconnect(resume: false, after: .backoff(failures: 0))),
        (4008, .reconnect(resume: true, after: .rateLimited(closes: 1))),
        (4009, .reconnect(resume: false, after: .backoff(failures: 0))),
        (1000, .reconnect(resume: true, after: .backoff(failures: 0))),
        (1001, .reconnect(resume: true, after: .backoff(failures: 0))),
        (1006, .reconnect(resume: true, after: .backoff(failures: 0))),
        (nil, .reconnect(resume: true, after: .backoff(failures: 0))),
    ])
    func aCloseCodeResumesIdentifiesAnewOrRenewsTheToken(code: UInt16?, next: Machine.Next) {
        var machine = Self.established()
        #expect(machine.closed(code: code) == next)
        let identifiesAnew = next == .reconnect(resume: false, after: .backoff(failures: 0))
        #expect(machine.opening == (identifiesAnew ? .identify : .resume(sessionID: "one", sequence: 3)))
    }

    @Test func aRefusedTokenIsRenewedOnceThenARepeatedRefusalIsFatal() {
        var machine = Self.established()
        #expect(machine.closed(code: 4004) == .renewToken)
        #expect(machine.tokenRenewed() == .reconnectNow)
        machine.connecting()
        #expect(
            machine.received(Self.frame(Self.hello))
                == .open(
                    .resume(sessionID: "one", sequence: 3), heartbeatInterval: .milliseconds(41250)))
        #expect(machine.closed(code: 4004) == .fail(.gatewayClosed(.authenticationFailed)))
    }

    @Test func aConnectionEstablishedWithTheRenewedTokenMayRenewAgain() {
        var machine = Self.established()
        #expect(machine.closed(code: 4004) == .renewToken)
        #expect(machine.tokenRenewed() == .reconnectNow)
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        _ = machine.received(Self.frame(Self.dispatch(nil, "RESUMED")))
        #expect(machine.closed(code: 4004) == .renewToken)
    }

    @Test(arguments: [
        (
            ClientError.unauthorized(code: .tokenExpired, message: "no"),
            Machine.Next.fail(.gatewayClosed(.authenticationFailed))
        ),
        (.cancelled, .stop),
        (.transport(reason: "down"), .fail(.transport(reason: "down"))),
        (.signInRequired(code: .tokenReused), .fail(.signInRequired(code: .tokenReused))),
    ])
    func aFailedRenewalStopsOrFails(error: ClientError, next: Machine.Next) {
        var machine = Self.established()
        #expect(machine.closed(code: 4004) == .renewToken)
        #expect(machine.tokenRenewalFailed(error) == next)
    }

    @Test func rateLimitedClosesCountInARowAndAnotherCloseEndsTheRow() {
        var machine = Self.established()
        #expect(machine.closed(code: 4008) == .reconnect(resume: true, after: .rateLimited(closes: 1)))
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        _ = machine.received(Self.frame(Self.dispatch(nil, "RESUMED")))
        #expect(machine.closed(code: 4008) == .reconnect(resume: true, after: .rateLimited(closes: 2)))
        machine.connecting()
        _ = machine.received(Self.frame(Self.hello))
        _ = machine.received(Self.frame(Self.dispatch(nil, "RESUMED")))
        #expect(machine.closed(code: 1001) == .reconnect(resume: true, after: .backoff(failures: 0)))
        machine.connecting()
        #expect(machine.closed(code: 4008) == .reconnect(resume: true, after: .rateLimited(closes: 1)))
    }

    // MARK: Failures, tokens and stopping

    @Test func failedAttemptsBackOffThenGiveUp() {
        var machine = Machine(maximumAttempts: 3)
        _ = machine.runStarted()
        machine.connecting()
        #expect(machine.failed() == .reconnect(resume: true, after: .backoff(failures: 1)))
        machine.connecting()
        #expect(machine.abandoned() == .reconnect(resume: true, after: .backoff(failures: 2)))
        machine.connecting()
        #expect(machine.closed(code: 1006) == .fail(.gatewayUnreachable(attempts: 3)))
    }

    @Test(arguments: [
        (ClientError.signInRequired(code: .tokenReused), Machine.Next.fail(.signInRequired(code: .tokenReused))),
        (.credentialsNotSaved(reason: "disk"), .fail(.credentialsNotSaved(reason: "disk"))),
        (.cancelled, .stop),
        (.timedOut, .reconnect(resume: true, after: .backoff(failures: 1))),
    ])
    func noTokenFailsStopsOrRetries(error: ClientError, next: Machine.Next) {
        var machine = Machine(maximumAttempts: nil)
        _ = machine.runStarted()
        machine.connecting()
        #expect(machine.tokenUnavailable(error) == next)
    }

    @Test func stoppingEndsWhateverComesNext() {
        var machine = Self.established()
        machine.stopRequested()
        #expect(machine.isStopped)
        #expect(machine.received(Self.frame(#"{"op":7}"#)) == .close(.reconnectRequested))
        #expect(machine.closed(code: 4004) == .stop)
        #expect(machine.failed() == .stop)
        #expect(machine.abandoned() == .stop)
    }

    /// A stop that comes while a connection is being set up (its token fetched, its upgrade under way) must not be
    /// lost: the Hello that follows closes the connection instead of opening a session nobody will end.
    @Test func aStopBeforeHelloClosesInsteadOfOpening() {
        var machine = Machine(maximumAttempts: nil)
        _ = machine.runStarted()
        machine.connecting()
        machine.stopRequested()
        #expect(machine.received(Self.frame(Self.hello)) == .close(.stopRequested))
        #expect(machine.closed(code: 4000) == .stop)

        var resuming = Self.established()
        _ = resuming.closed(code: 1001)
        resuming.connecting()
        resuming.stopRequested()
        #expect(resuming.received(Self.frame(Self.hello)) == .close(.stopRequested))
    }

    @Test func aRunStartsOnlyOnce() {
        var machine = Machine(maximumAttempts: nil)
        let first = machine.runStarted()
        let second = machine.runStarted()
        machine.runEnded()
        let afterTheEnd = machine.runStarted()
        #expect(first && !second && afterTheEnd)
    }
}
