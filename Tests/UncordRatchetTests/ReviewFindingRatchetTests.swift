import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// The review findings of issue 13 that live in the sessions layer; each failed before its fix.
@Suite struct ReviewFindingRatchetTests {
    /// (low) A receive whose wrap decrypts but whose content does not draws no ratchet key pair.
    @Test(arguments: StoreKind.allCases) func aReceiveThatFailsOnItsContentDrawsNoKeyPair(store kind: StoreKind) throws
    {
        let world = TestWorld(seed: 41, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob)
        _ = try world.open(try world.send("1", from: a, to: [bob]), at: b, from: a)
        _ = try world.open(try world.send("2", from: b, to: [alice]), at: a, from: b)
        let third = try world.send("3", from: a, to: [bob])
        let scripted = ScriptedKeyPairs([X25519.PrivateKey.generate(using: world.random)])
        b.cipher = SessionCipher(keyPairs: scripted, random: world.random)
        let wrap = try #require(third.wraps.first { $0.recipient == b.address })
        // The same wrap and content under another channel: the wrap decrypts, the content does not.
        #expect(throws: RatchetError.self) {
            try b.cipher.open(content: third.content, wrap: wrap.bytes, channel: UUID(), author: alice, in: b.store)
        }
        #expect(scripted.remaining == 1)
        #expect(try world.open(third, at: b, from: a).payload.body == "3")
        #expect(scripted.remaining == 0)
    }

    /// (low) A pre-key wrap replayed after its session was evicted does not start the session again.
    @Test(arguments: StoreKind.allCases) func aReplayedPreKeyWrapIsRefusedAfterItsSessionIsGone(store kind: StoreKind)
        throws
    {
        let world = TestWorld(seed: 42, store: kind)
        let (alice, bob) = (world.user(), world.user())
        let a = try world.device(of: alice)
        let b = try world.device(of: bob, oneTimeKeys: 0)
        let first = try world.send("first", from: a, to: [bob])
        #expect(try world.open(first, at: b, from: a).payload.body == "first")
        for round in 0..<SessionRecord.maximumPreviousSessions + 1 {
            _ = try a.store.archiveSessions(of: b.address)
            let sealed = try a.cipher.seal(
                a.payload("round \(round)"), channel: world.channel, participants: [bob],
                bundles: [world.server.fetch(bob)], in: a.store)
            _ = try world.open(sealed, at: b, from: a)
        }
        let record = try #require(try b.store.sessionRecord(for: a.address))
        #expect(record.sessions.count == SessionRecord.maximumPreviousSessions + 1)
        #expect(ratchetError { try world.open(first, at: b, from: a) } == .duplicateMessage)
    }
}
