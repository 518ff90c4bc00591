import Benchmark
import UncordCrypto
import UncordRatchet

// The engine's three timed paths, each beside its libsodium floor (`*_floor`): the same primitive calls made
// directly, listed on the floor types (SodiumFloor, FloorRatchet, FloorSessionSetup). `make bench` at the
// repository root runs them and prints median µs per operation and the engine/floor ratio.
//
// One operation: `ratchet_*` = one 256-byte message encrypted by one side and decrypted by the other;
// `session_setup` = a whole set-up up to the first message decrypted; `fanout_10_devices` = one message sealed for
// 10 devices. The persisted figures are timed by the StoreBench executable.

let benchmarks: @Sendable () -> Void = {
    // Wall clock per operation, throughput and malloc calls per operation (the malloc interposer's counts).
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal]
    // Cheap operations: 1000 per sample, so that reading the clock is lost in the noise.
    let perThousand = Benchmark.Configuration(
        metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 5, scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 100_000)
    // Operations of tens of microseconds or more: one per sample.
    let perOne = Benchmark.Configuration(
        metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 100, scalingFactor: .one,
        maxDuration: .seconds(2), maxIterations: 100_000)

    let fixture: EngineFixture
    do { fixture = try EngineFixture() } catch { preconditionFailure("benchmark fixture: \(error)") }
    let keys = RandomKeyPairs(fixture.random)

    // Alice sends, Bob receives; after the first message no message carries a new ratchet key.
    var oneWay: (alice: DoubleRatchet, bob: DoubleRatchet)?
    Benchmark("ratchet_one_direction", configuration: perThousand) { benchmark in
        guard var session = oneWay.take() else { throw BenchmarkFailure.failed("no session") }
        for _ in benchmark.scaledIterations {
            let message = try session.alice.encrypt(fixture.payload)
            blackHole(try session.bob.decrypt(message, using: keys))
        }
        oneWay = session
    } setup: {
        oneWay = try fixture.setUpSession()
    }

    // Floor, per message (FloorRatchet.message): sender KDF_CK (crypto_auth_hmacsha256_init + 2 × (_update + _final)
    // on copies of the keyed state), message-key HKDF with L = 56 (extract: a copy of the zero salt's keyed state,
    // set up once, + update + final; expand: init + 2 × (3 × update + final)),
    // crypto_aead_xchacha20poly1305_ietf_encrypt (256 bytes, 174 bytes of AD); receiver the same KDF_CK and HKDF +
    // _decrypt. In all 4 HMAC inits, 18 updates, 10 finals, 1 encrypt, 1 decrypt.
    var oneWayFloor: FloorRatchet?
    Benchmark("ratchet_one_direction_floor", configuration: perThousand) { benchmark in
        guard let floor = oneWayFloor else { throw BenchmarkFailure.failed("no floor session") }
        for _ in benchmark.scaledIterations {
            try floor.message(aliceSends: true, stepping: false)
        }
        blackHole(floor.opened.base.pointee)
    } setup: {
        oneWayFloor = try FloorRatchet.established(associatedData: fixture.associatedData, payload: fixture.payload)
    }

    // Each message goes the other way: every decrypt takes a DH ratchet step, and the next encrypt uses the
    // chain that step made.
    var pingPong: (alice: DoubleRatchet, bob: DoubleRatchet)?
    var aliceSends = false
    Benchmark("ratchet_alternating", configuration: perOne) { benchmark in
        guard var session = pingPong.take() else { throw BenchmarkFailure.failed("no session") }
        for _ in benchmark.scaledIterations {
            if aliceSends {
                let message = try session.alice.encrypt(fixture.payload)
                blackHole(try session.bob.decrypt(message, using: keys))
            } else {
                let message = try session.bob.encrypt(fixture.payload)
                blackHole(try session.alice.decrypt(message, using: keys))
            }
            aliceSends.toggle()
        }
        pingPong = session
    } setup: {
        pingPong = try fixture.setUpSession()
    }

    // Floor, per message: the one-direction calls + on the receiving side 2 × crypto_scalarmult, 2 × KDF_RK (HKDF
    // with L = 64: extract + expand of 2 blocks) and one key generation (randombytes_buf(32) + Ed25519 base-point
    // table + the map to Montgomery u). In all 8 HMAC inits, 32 updates, 16 finals, 2 scalarmult, 1 key generation,
    // 1 randombytes_buf, 1 encrypt, 1 decrypt.
    var pingPongFloor: FloorRatchet?
    var floorAliceSends = false
    Benchmark("ratchet_alternating_floor", configuration: perOne) { benchmark in
        guard let floor = pingPongFloor else { throw BenchmarkFailure.failed("no floor session") }
        for _ in benchmark.scaledIterations {
            try floor.message(aliceSends: floorAliceSends, stepping: true)
            floorAliceSends.toggle()
        }
        blackHole(floor.opened.base.pointee)
    } setup: {
        pingPongFloor = try FloorRatchet.established(
            associatedData: fixture.associatedData, payload: fixture.payload)
    }

    // Bob's signed pre-key signature checked, X3DH on both sides with a one-time pre-key, both ratchets set up, and
    // Alice's first message encrypted and decrypted by Bob (EngineFixture.setUpSession). The keys of Bob's bundle
    // and Alice's identity exist before; the ephemeral and ratchet keys are drawn inside.
    Benchmark("session_setup", configuration: perOne) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try fixture.setUpSession())
        }
    }

    // Floor, per set-up (the order is on FloorSessionSetup): crypto_core_ed25519_is_valid_point +
    // crypto_sign_ed25519_verify_detached, 11 crypto_scalarmult (4 + 4 X3DH, 1 ratchet set-up, 2 in Bob's first
    // DH ratchet step), 3 key generations (EK, Alice's and Bob's first ratchet keys), 2 X3DH HKDFs, 3 KDF_RK,
    // 2 KDF_CK, 2 message-key HKDFs, 1 encrypt, 1 decrypt: 14 HMAC inits, 47 updates, 23 finals.
    var setupFloor: FloorSessionSetup?
    Benchmark("session_setup_floor", configuration: perOne) { benchmark in
        guard let floor = setupFloor else { throw BenchmarkFailure.failed("no floor keys") }
        for _ in benchmark.scaledIterations {
            try floor.run()
        }
    } setup: {
        setupFloor = try FloorSessionSetup(
            signedMessage: fixture.signedMessage, associatedData: fixture.associatedData, payload: fixture.payload)
    }

    // Alice's message to Bob's 10 devices, every session established (FanOutFixture): the payload encoded, the
    // content encrypted once, 10 ratchet wraps, one commit to the in-memory store.
    var fanOut: FanOutFixture?
    Benchmark("fanout_10_devices", configuration: perOne) { benchmark in
        guard let fixture = fanOut else { throw BenchmarkFailure.failed("no fan-out fixture") }
        for _ in benchmark.scaledIterations {
            blackHole(try fixture.send())
        }
    } setup: {
        fanOut = try FanOutFixture()
    }

    // Floor, per message (FloorFanOut.run): 2 randombytes_buf, 1 content encrypt, 1 crypto_hash_sha256, then
    // 10 × (KDF_CK + message-key HKDF + encrypt of 64 bytes): 20 HMAC inits, 90 updates, 50 finals, 11 encrypts.
    var fanOutFloor: FloorFanOut?
    Benchmark("fanout_10_devices_floor", configuration: perOne) { benchmark in
        guard let floor = fanOutFloor else { throw BenchmarkFailure.failed("no fan-out floor") }
        for _ in benchmark.scaledIterations {
            try floor.run()
        }
    } setup: {
        let engine = try FanOutFixture()
        fanOutFloor = try FloorFanOut(
            devices: FanOutFixture.deviceCount, paddedCount: try engine.paddedPayloadCount(),
            associatedData: fixture.associatedData)
    }
}
