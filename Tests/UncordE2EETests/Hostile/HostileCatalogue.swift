import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 9, item 2: the hostile-input catalogue. Every case is a named hostile input to one of the engine's entry
/// points (``EntryPoint``) — a message as the server delivers it, a gateway frame, the server's answer to a bundle
/// fetch during a send, a backup file — run against a fresh ``HostileFixture``. Each must get its typed error
/// (or, through the engine, its typed event), and the whole of Bob's store must hash the same before and after.
@Suite("Hostile-input catalogue")
struct HostileCatalogue {
    /// Every case, in the order of the entry points.
    static let cases: [HostileCase] = receiveCases + gatewayCases + sendCases + linkedDeviceCases + backupCases

    @Test("Hostile input", arguments: cases)
    func hostileInput(_ hostile: HostileCase) async throws {
        let fixture = try await HostileFixture.make()
        let deliver = try await hostile.prepare(fixture)
        let before = try fixture.bob.store.fingerprint()
        let outcome = await deliver()
        let after = try fixture.bob.store.fingerprint()
        #expect(outcome == hostile.expected(fixture), "\(hostile.name): \(outcome)")
        #expect(after == before, "\(hostile.name): the store changed")
        // Issue 9, item 4: the error's text names no secret of the devices involved and no message text.
        let secrets = try fixture.secrets()
        let leaked = secrets.find(in: "\(outcome)").union(secrets.find(in: String(reflecting: outcome)))
        #expect(leaked.isEmpty, "\(hostile.name): the error's text holds \(leaked.sorted())")
    }

    /// The genuine inputs the cases change, given unchanged, are accepted: a case's refusal comes from its change.
    @Test("Control: genuine messages are received")
    func genuineMessages() async throws {
        let fixture = try await HostileFixture.make()
        let dave = try await fixture.daveFirstMessage()
        let crafted = try fixture.craftedByAlice(payload: try fixture.payloadJSON { _ in })
        for message in [fixture.pending, dave, crafted] {
            #expect(Outcome.ofReceive { try fixture.bob.store.receive(message, using: SessionCipher()) } == .accepted)
        }
        let padded = try await HostileFixture.make()
        let message = try padded.craftedByAlice(padded: try Padding.pad(try padded.payloadJSON { _ in }).exportBytes())
        #expect(Outcome.ofReceive { try padded.bob.store.receive(message, using: SessionCipher()) } == .accepted)
    }

    @Test("Control: a genuine frame is decrypted")
    func genuineFrame() async throws {
        let fixture = try await HostileFixture.make()
        let events = await fixture.bob.engine.process(
            frame: try HostileFixture.dispatch(.dmMessageCreate, fixture.pending))
        #expect(bodies(events) == ["this one is still on its way"])
    }

    @Test("Control: a genuine bundle is used")
    func genuineBundle() async throws {
        let fixture = try await HostileFixture.make()
        let identity = X25519.PrivateKey.generate(using: SystemRandom())
        fixture.hostile.answerBundles(
            .list(
                try fixture.bundle(user: fixture.dave, device: UUID(), identity: identity.publicKey, signer: identity))
        )
        let prepared = try await fixture.bob.engine.prepareMessage(
            text: "hello dave", channel: UUID(), participants: [fixture.dave])
        #expect(!prepared.body.isEmpty)
    }

    @Test("Control: an undamaged backup imports")
    func genuineBackup() async throws {
        let fixture = try await HostileFixture.make()
        let passphrase = SecureBytes(copying: Array("backup passphrase".utf8))
        let path = fixture.directory.path("bob.uncord-backup")
        try fixture.bob.store.exportBackup(
            to: path, passphrase: passphrase, parameters: .init(iterations: 1, memoryBytes: 8 << 20))
        _ = try SQLiteStore.importBackup(
            from: path, passphrase: passphrase, to: fixture.directory.path("restored.sqlite"),
            key: .rawKey(SecureBytes(random: 32, using: SystemRandom())))
    }

    @Test("The catalogue's size")
    func size() {
        let names = Self.cases.map(\.name)
        #expect(Set(names).count == names.count, "every case has its own name")
        #expect(names.count >= 40)
        let counts = EntryPoint.allCases.map { point in "\(Self.cases.filter { $0.entryPoint == point }.count) \(point)"
        }
        print("hostile-input catalogue: \(names.count) named cases (\(counts.joined(separator: ", ")))")
        #expect(EntryPoint.allCases.allSatisfy { point in Self.cases.contains { $0.entryPoint == point } })
    }
}
