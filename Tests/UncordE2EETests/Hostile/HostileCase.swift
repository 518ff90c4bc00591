import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore

/// What an entry point made of a hostile input, in a form a case can state in advance.
enum Outcome: Sendable, Equatable, CustomStringConvertible {
    /// `SQLiteStore.receive` refused with this error (an invalid payload's `reason` is not compared).
    case refused(RatchetError)
    /// `E2EEEngine.process(frame:)` answered these events, summarised.
    case events([EventSummary])
    /// The engine refused with this error.
    case engineError(E2EEError)
    /// The store refused with this error (its `path` is not compared).
    case storeError(StoreError)
    /// `SQLiteStore.receive` recognised a second copy of the stored message with this id: nothing decrypted or
    /// stored.
    case copy(of: UUID)
    /// The entry point accepted the input: never the right answer for a hostile one.
    case accepted
    /// An error of a type the entry point does not declare.
    case untyped(String)

    /// An engine event, as much of it as a case states.
    enum EventSummary: Sendable, Equatable {
        /// Handed on unchanged; `isFrame` tells whether the bytes read as a frame. (Byte identity is checked apart.)
        case passthrough(isFrame: Bool)
        case undecryptable(UndecryptableReason)
        /// A second copy of a post (``AppEvent/duplicate(id:of:)``).
        case duplicate
        case other(String)
    }

    var description: String {
        switch self {
        case .refused(let error): "refused: \(error)"
        case .events(let events): "events: \(events)"
        case .engineError(let error): "engine error: \(error)"
        case .storeError(let error): "store error: \(error)"
        case .copy(let original): "a copy of \(original)"
        case .accepted: "accepted"
        case .untyped(let text): "untyped error: \(text)"
        }
    }

    /// The outcome of a receive through the store.
    static func ofReceive(_ body: () throws -> ReceivedMessage) -> Outcome {
        do {
            let received = try body()
            return received.duplicateOf.map(Outcome.copy(of:)) ?? .accepted
        } catch let error as RatchetError {
            if case .invalidPayload(let field, _) = error { return .refused(.invalidPayload(field: field, reason: "")) }
            return .refused(error)
        } catch {
            return .untyped("\(type(of: error)): \(error)")
        }
    }

    /// The events of a frame, summarised; a passthrough must carry exactly the bytes given.
    static func ofFrame(_ bytes: [UInt8], _ events: [AppEvent]) -> Outcome {
        .events(
            events.map { event in
                switch event {
                case .passthrough(let passed, let frame):
                    passed == bytes ? .passthrough(isFrame: frame != nil) : .other("passthrough of other bytes")
                case .undecryptable(_, let reason): .undecryptable(reason)
                case .duplicate: .duplicate
                default: .other("\(event)")
                }
            })
    }

    /// The outcome of an engine call.
    static func ofEngine(_ body: () async throws -> Void) async -> Outcome {
        do {
            try await body()
            return .accepted
        } catch let error as E2EEError {
            return .engineError(error)
        } catch {
            return .untyped("\(type(of: error)): \(error)")
        }
    }

    /// The outcome of a store call.
    static func ofStore(_ body: () throws -> Void) -> Outcome {
        do {
            try body()
            return .accepted
        } catch let error as StoreError {
            switch error {
            case .backupNotRecognised(_, let reason): return .storeError(.backupNotRecognised(path: "", reason: reason))
            case .fileExists: return .storeError(.fileExists(path: ""))
            default: return .storeError(error)
            }
        } catch {
            return .untyped("\(type(of: error)): \(error)")
        }
    }
}

/// The entry points the catalogue covers.
enum EntryPoint: String, Sendable, CaseIterable {
    /// `SQLiteStore.receive(_:using:)`: a message as the server delivers it, through `SessionCipher.open`.
    case receive
    /// `E2EEEngine.process(frame:)`: a gateway frame.
    case gateway
    /// `E2EEEngine.prepareMessage`: a send, with the server's bundle answers.
    case send
    /// `SQLiteStore.importBackup`: a backup file.
    case backup
}

/// One named hostile input: how to build it against a fresh ``HostileFixture``, and the typed outcome it must get.
/// `prepare` builds the input (reading other devices' stores, arming the hostile server) and returns the delivery,
/// which the test runs between two fingerprints of Bob's store.
struct HostileCase: Sendable, CustomTestStringConvertible {
    let name: String
    let entryPoint: EntryPoint
    /// The outcome the case must get; some name ids of the fixture it runs against.
    let expected: @Sendable (HostileFixture) -> Outcome
    let prepare: @Sendable (HostileFixture) async throws -> @Sendable () async -> Outcome

    var testDescription: String { name }

    /// A message given to `SQLiteStore.receive`.
    static func receive(
        _ name: String, _ expected: RatchetError,
        _ make: @escaping @Sendable (HostileFixture) async throws -> Message
    ) -> HostileCase {
        receive(name, { _ in expected }, make)
    }

    /// A message given to `SQLiteStore.receive`, refused with an error that names the fixture's ids.
    static func receive(
        _ name: String, _ expected: @escaping @Sendable (HostileFixture) -> RatchetError,
        _ make: @escaping @Sendable (HostileFixture) async throws -> Message
    ) -> HostileCase {
        HostileCase(name: name, entryPoint: .receive, expected: { .refused(expected($0)) }) { fixture in
            let message = try await make(fixture)
            return { Outcome.ofReceive { try fixture.bob.store.receive(message, using: SessionCipher()) } }
        }
    }

    /// A message given to `SQLiteStore.receive` that repeats a stored post's content and wrap under a new id:
    /// recognised as a copy of `original`, with nothing decrypted or stored (issue 16: the server may hold a post
    /// twice, and says nothing new by sending it again).
    static func receiveCopy(
        _ name: String, of original: @escaping @Sendable (HostileFixture) -> UUID,
        _ make: @escaping @Sendable (HostileFixture) async throws -> Message
    ) -> HostileCase {
        HostileCase(name: name, entryPoint: .receive, expected: { .copy(of: original($0)) }) { fixture in
            let message = try await make(fixture)
            return { Outcome.ofReceive { try fixture.bob.store.receive(message, using: SessionCipher()) } }
        }
    }

    /// Frame bytes given to `E2EEEngine.process(frame:)`.
    static func gateway(
        _ name: String, _ expected: [Outcome.EventSummary],
        _ make: @escaping @Sendable (HostileFixture) throws -> [UInt8]
    ) -> HostileCase {
        HostileCase(name: name, entryPoint: .gateway, expected: { _ in .events(expected) }) { fixture in
            let bytes = try make(fixture)
            return { Outcome.ofFrame(bytes, await fixture.bob.engine.process(frame: bytes)) }
        }
    }

    /// A send to Dave (a user Bob's device does not know, so his bundle is fetched) while the server answers
    /// the bundle route as `answer` says.
    static func send(
        _ name: String, _ expected: @escaping @Sendable (HostileFixture) -> E2EEError,
        _ answer: @escaping @Sendable (HostileFixture) throws -> HostileServer.BundleAnswer?
    ) -> HostileCase {
        HostileCase(name: name, entryPoint: .send, expected: { .engineError(expected($0)) }) { fixture in
            fixture.hostile.answerBundles(try answer(fixture))
            return {
                await Outcome.ofEngine {
                    _ = try await fixture.bob.engine.prepareMessage(
                        text: "hello dave", channel: UUID(), participants: [fixture.dave])
                }
            }
        }
    }
}
