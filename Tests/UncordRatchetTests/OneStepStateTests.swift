import Foundation
import Testing
import UncordCrypto
import UncordTestSupport

@testable import UncordRatchet

/// A ratchet state loaded for one step — without its skipped keys, only the one a header names — decrypts exactly
/// as the whole state does, and its stored changes turn the old key rows into exactly the whole state's keys
/// (the SQLite store relies on both; Docs/PERFORMANCE.md).
@Suite("One-step ratchet states")
struct OneStepStateTests {
    /// A skipped key as a row: ratchet key, number, key bytes, eviction order.
    struct Row: Hashable {
        var ratchetKey: [UInt8]
        var number: UInt32
        var key: [UInt8]
        var order: UInt64

        init(_ key: DoubleRatchet.SkippedKey) {
            ratchetKey = key.ratchetKey.bytes
            number = key.messageNumber
            self.key = key.key.exportBytes()
            order = key.order
        }
    }

    @Test("Random out-of-order schedules, replays and gaps past the 2,000-key bound", arguments: 0..<4)
    func schedules(run: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("OneStepStateTests run \(run) seed \(seed)")
        let random = DeterministicRandom(seed: seed)
        var rng = SplitMix64(seed: seed)
        let sk = SecureBytes(random: 32, using: random)
        let ad = random.bytes(X3DH.associatedDataByteCount)
        let spk = X25519.PrivateKey.generate(using: random)
        var alice = try DoubleRatchet.initiator(
            sharedSecret: sk, associatedData: ad, peerSignedPreKey: spk.publicKey, using: RandomKeyPairs(random))
        var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: ad, signedPreKey: spk)
        var rows = Set<Row>()
        var delivered: [RatchetMessage] = []
        var steps = 0
        for round in 0..<6 {
            // A chain from Alice, delivered shuffled with some lost; in round 3 a gap of 1,000 twice and more, so the
            // bound of 2,000 keys evicts.
            let count = round == 3 ? 2_100 : Int.random(in: 5...40, using: &rng)
            var chain = try (0..<count).map { try alice.encrypt([UInt8(truncatingIfNeeded: $0)]) }
            if round == 3 {
                chain = [chain[1_000], chain[2_001], chain[2_099]] + chain[0..<10] + [chain[1_500]]
            } else {
                chain.shuffle(using: &rng)
                chain = Array(chain.dropLast(Int.random(in: 0...3, using: &rng)))
            }
            if !delivered.isEmpty { chain.insert(delivered[Int.random(in: 0..<delivered.count, using: &rng)], at: 0) }
            for message in chain {
                try step(message, bob: &bob, rows: &rows, seed: seed &+ UInt64(steps))
                steps += 1
                delivered.append(message)
            }
            // Bob replies, so Alice's next chain starts a DH step.
            let reply = try bob.encrypt([0xff])
            _ = try alice.decrypt(reply, using: RandomKeyPairs(random))
        }
        #expect(steps >= 25)
    }

    /// One receive by the whole state and by a one-step state over `rows`; both must agree in every way.
    private func step(_ message: RatchetMessage, bob: inout DoubleRatchet, rows: inout Set<Row>, seed: UInt64) throws {
        let header = message.header
        let probe = rows.first { $0.ratchetKey == header.ratchetKey.bytes && $0.number == header.messageNumber }
        var oneStep = try #require(
            try DoubleRatchet(
                encodedState: bob.encodedState(), probing: (header.ratchetKey, header.messageNumber),
                probeKey: probe.map { SecureBytes(copying: $0.key) }))
        #expect(oneStep.storedSkippedKeyCount == bob.storedSkippedKeyCount)

        // The same key pair for both, should the step draw one.
        let whole = Result { () throws(RatchetError) in
            try bob.decrypt(message, using: RandomKeyPairs(DeterministicRandom(seed: seed))).exportBytes()
        }
        let partial = Result { () throws(RatchetError) in
            try oneStep.decrypt(message, using: RandomKeyPairs(DeterministicRandom(seed: seed))).exportBytes()
        }
        switch (whole, partial) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure(let a), .failure(let b)): #expect(a == b)
        default: Issue.record("whole \(whole) but one-step \(partial)")
        }
        #expect(oneStep.encodedState() == bob.encodedState())

        let changes = try #require(oneStep.storedSkippedKeyChanges)
        if let removed = changes.removed {
            rows = rows.filter { !($0.ratchetKey == removed.ratchetKey.bytes && $0.number == removed.messageNumber) }
        }
        for oldest in rows.sorted(by: { $0.order < $1.order }).prefix(changes.evictOldest) { rows.remove(oldest) }
        rows.formUnion(changes.inserted.map(Row.init))
        #expect(rows == Set(bob.skippedKeys.map(Row.init)))
        #expect(rows.count == bob.storedSkippedKeyCount)
    }

    @Test("A one-step state refuses a second look-up it cannot answer, and a send state has no key to look up")
    func oneStepOnly() throws {
        let random = DeterministicRandom(seed: 31)
        let sk = SecureBytes(random: 32, using: random)
        let spk = X25519.PrivateKey.generate(using: random)
        var alice = try DoubleRatchet.initiator(
            sharedSecret: sk, associatedData: [1], peerSignedPreKey: spk.publicKey, using: RandomKeyPairs(random))
        var bob = DoubleRatchet.responder(sharedSecret: sk, associatedData: [1], signedPreKey: spk)
        let messages = try (0..<4).map { try alice.encrypt([UInt8($0)]) }
        _ = try bob.decrypt(messages[3], using: RandomKeyPairs(random))  // skips 0, 1, 2
        let key0 = try #require(bob.skippedKeys.first { $0.messageNumber == 0 })

        var oneStep = try #require(
            try DoubleRatchet(
                encodedState: bob.encodedState(), probing: (messages[0].header.ratchetKey, 0), probeKey: key0.key))
        #expect(try oneStep.decrypt(messages[0], using: RandomKeyPairs(random)).exportBytes() == [0])
        #expect(throws: RatchetError.self) { try oneStep.decrypt(messages[1], using: RandomKeyPairs(random)) }

        var sending = try #require(try DoubleRatchet(encodedState: bob.encodedState(), probing: nil, probeKey: nil))
        #expect(sending.storedSkippedKeyCount == 3)
        #expect(throws: RatchetError.self) { try sending.decrypt(messages[2], using: RandomKeyPairs(random)) }
        let reply = try sending.encrypt([9])
        #expect(try alice.decrypt(reply, using: RandomKeyPairs(random)).exportBytes() == [9])
    }
}
