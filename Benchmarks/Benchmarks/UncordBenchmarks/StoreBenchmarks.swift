import Benchmark
import UncordStore

/// The persisted receive rate: ``SQLiteStore`` decrypting and storing a message, one transaction per message
/// (`store_receive_one_per_transaction`, one message per operation) and 100 per transaction
/// (`store_receive_100_per_transaction`, one batch of 100 per operation; `make bench` divides by 100).
///
/// Each receive commits the session update, the sealed payload and the message id (STORAGE.md); the store runs
/// WAL with `synchronous=NORMAL`, its default, so a commit is durable across a process crash without an fsync of
/// its own. The messages of each operation are sealed by the in-memory sender before the measurement starts.
func storeBenchmarks(metrics: [BenchmarkMetric]) {
    let configuration = Benchmark.Configuration(
        metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 20, scalingFactor: .one,
        maxDuration: .seconds(3), maxIterations: 20_000)

    var single: StoreFixture?
    Benchmark("store_receive_one_per_transaction", configuration: configuration) { benchmark in
        guard let fixture = single else { throw BenchmarkFailure.failed("no store") }
        for _ in benchmark.scaledIterations {
            let message = try fixture.messages(1)[0]
            benchmark.startMeasurement()
            blackHole(try fixture.store.receive(message, using: fixture.receiverCipher))
            benchmark.stopMeasurement()
        }
    } setup: {
        single = try StoreFixture()
    } teardown: {
        single = nil
    }

    var batched: StoreFixture?
    Benchmark(
        "store_receive_100_per_transaction",
        configuration: .init(
            metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 3, scalingFactor: .one,
            maxDuration: .seconds(3), maxIterations: 1_000)
    ) { benchmark in
        guard let fixture = batched else { throw BenchmarkFailure.failed("no store") }
        for _ in benchmark.scaledIterations {
            let messages = try fixture.messages(100)
            benchmark.startMeasurement()
            let results = try fixture.store.receive(messages, using: fixture.receiverCipher)
            benchmark.stopMeasurement()
            for result in results { blackHole(try result.get()) }
        }
    } setup: {
        batched = try StoreFixture()
    } teardown: {
        batched = nil
    }
}
