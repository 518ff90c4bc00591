import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordTestSupport

/// Property tests over seeded random schedules: two or three users with one to three devices each, sending both
/// ways with loss, reordering within a small window (far inside the skip limit), duplicates, and simultaneous
/// initiation. Every delivered message must decrypt exactly once, every duplicate must be refused without a state
/// change, and after the dust settles every device must still reach every other (no session wedges).
///
/// The 1,000 schedules run on in-memory stores, and every tenth of them again on SQLite stores.
///
/// A failure names its seed and store; `UEDM_SCHEDULE_SEED=<seed> swift test --filter SessionScheduleTests` replays
/// that seed alone, on both kinds of store.
@Suite("Session schedules")
struct SessionScheduleTests {
    static let chunks = 8
    static let schedulesPerChunk = 125
    static let firstSeed: UInt64 = 0x5E55_1000
    /// The SQLite runs take every `sqliteStride`-th seed of the 1,000, in `sqliteChunks` chunks.
    static let sqliteStride = 10
    static let sqliteChunks = 2

    @Test(
        "1,000 random schedules: exactly-once decryption, refused duplicates, no wedged session", arguments: 0..<chunks)
    func schedules(chunk: Int) {
        let seeds = (0..<Self.schedulesPerChunk).map { Self.firstSeed + UInt64(chunk * Self.schedulesPerChunk + $0) }
        Self.run(seeds, chunk: chunk, store: .inMemory)
    }

    @Test("100 of those schedules on SQLite stores", arguments: 0..<sqliteChunks)
    func sqliteSchedules(chunk: Int) {
        let count = Self.chunks * Self.schedulesPerChunk / Self.sqliteStride / Self.sqliteChunks
        let seeds = (0..<count).map { Self.firstSeed + UInt64((chunk * count + $0) * Self.sqliteStride) }
        Self.run(seeds, chunk: chunk, store: .sqlite)
    }

    private static func run(_ seeds: [UInt64], chunk: Int, store kind: StoreKind) {
        var coverage = ScheduleCoverage()
        if let text = ProcessInfo.processInfo.environment["UEDM_SCHEDULE_SEED"], let seed = UInt64(text) {
            if chunk == 0 { _ = ScheduleRun(seed: seed, store: kind).run() }
            return
        }
        for seed in seeds {
            coverage.add(ScheduleRun(seed: seed, store: kind).run())
        }
        // Each chunk must have met every situation the schedules are meant to produce.
        #expect(coverage.schedules == seeds.count)
        #expect(coverage.threeUsers > 0)
        #expect(coverage.threeDeviceUsers > 0)
        #expect(coverage.lost > 0)
        #expect(coverage.reordered > 0)
        #expect(coverage.duplicatesRefused > 0)
        #expect(coverage.simultaneousInitiations > 0)
        #expect(coverage.promotions > 0)
        #expect(coverage.threeDHSessions > 0)
    }
}

/// What a batch of schedules went through.
struct ScheduleCoverage {
    var schedules = 0
    var threeUsers = 0
    var threeDeviceUsers = 0
    var delivered = 0
    var lost = 0
    var reordered = 0
    var duplicatesRefused = 0
    /// A pre-key wrap started a second session with a device that already had one.
    var simultaneousInitiations = 0
    /// A ratchet wrap was read by an earlier session, which became the active one.
    var promotions = 0
    /// Sessions started from a bundle without a one-time pre-key.
    var threeDHSessions = 0

    mutating func add(_ other: ScheduleCoverage) {
        schedules += other.schedules
        threeUsers += other.threeUsers
        threeDeviceUsers += other.threeDeviceUsers
        delivered += other.delivered
        lost += other.lost
        reordered += other.reordered
        duplicatesRefused += other.duplicatesRefused
        simultaneousInitiations += other.simultaneousInitiations
        promotions += other.promotions
        threeDHSessions += other.threeDHSessions
    }
}

/// One schedule, replayable from its seed.
struct ScheduleRun {
    /// One wrap on its way to one device.
    struct Delivery {
        var id: Int
        var sender: DeviceAddress
        var body: String
        var content: [UInt8]
        var wrap: [UInt8]
    }

    /// Out of 100: how often a wrap is lost, and how often a delivered one comes twice.
    static let lossPercent: UInt64 = 15
    static let duplicatePercent: UInt64 = 15
    /// Deliveries pick among the first few waiting wraps, so messages overtake each other by a few places.
    static let reorderWindow = 4

    let seed: UInt64
    private var rng: SplitMix64
    private var world: TestWorld
    private var users: [UUID] = []
    private var devices: [TestDevice] = []
    private var inbox: [DeviceAddress: [Delivery]] = [:]
    private var decrypted: [DeviceAddress: Set<Int>] = [:]
    private var nextID = 0
    private var coverage = ScheduleCoverage()

    init(seed: UInt64, store kind: StoreKind = .inMemory) {
        self.seed = seed
        rng = SplitMix64(seed: seed)
        world = TestWorld(seed: seed, store: kind)
    }

    /// Runs the schedule, recording any failure with the seed, and reports what it covered.
    consuming func run() -> ScheduleCoverage {
        do {
            try play()
        } catch {
            fail("unexpected error \(error)")
        }
        coverage.schedules = 1
        return coverage
    }

    private mutating func play() throws {
        let userCount = 2 + Int(rng.next() % 2)
        coverage.threeUsers = userCount == 3 ? 1 : 0
        for _ in 0..<userCount {
            let user = world.user()
            users.append(user)
            let count = 1 + Int(rng.next() % 3)
            if count == 3 { coverage.threeDeviceUsers += 1 }
            for _ in 0..<count {
                // Few one-time pre-keys, so some sessions start from bundles that have none left.
                devices.append(try world.device(of: user, oneTimeKeys: Int(rng.next() % 4)))
            }
        }

        // Half the schedules open with several devices sending before anyone receives: simultaneous initiation.
        if rng.next() % 2 == 0 {
            for device in devices where rng.next() % 3 != 0 { try send(from: device, lossy: true) }
        }
        for _ in 0..<(4 + Int(rng.next() % 8)) {
            let waiting = devices.filter { !(inbox[$0.address] ?? []).isEmpty }
            if waiting.isEmpty || rng.next() % 2 == 0 {
                try send(from: pick(devices), lossy: true)
            } else {
                deliver(to: pick(waiting))
            }
        }
        drain()

        // Liveness: with nothing lost any more, every device reaches every other, twice (so replies flow too).
        for _ in 0..<2 {
            for device in devices { try send(from: device, lossy: false) }
            drain()
        }
    }

    private mutating func pick(_ candidates: [TestDevice]) -> TestDevice {
        candidates[Int(rng.next() % UInt64(candidates.count))]
    }

    private mutating func send(from device: TestDevice, lossy: Bool) throws {
        let id = nextID
        nextID += 1
        let body = "m\(id)"
        let others = users.filter { $0 != device.address.user }
        let recipients = devices.map(\.address).filter { $0 != device.address }
        let sessionsBefore = Set(try recipients.filter { try device.store.sessionRecord(for: $0) != nil })
        let sealed = try world.send(body, from: device, to: others)

        if sealed.wraps.map(\.recipient).sorted(by: Self.order) != recipients.sorted(by: Self.order) {
            fail("message \(id) from \(device.address) was wrapped for \(sealed.wraps.map(\.recipient))")
        }
        for wrap in sealed.wraps {
            if !sessionsBefore.contains(wrap.recipient),
                let parsed = try? KeyWrap(parsing: wrap.bytes), parsed.preKey?.oneTimePreKeyID == nil
            {
                coverage.threeDHSessions += 1
            }
            if lossy && rng.next() % 100 < Self.lossPercent {
                coverage.lost += 1
                continue
            }
            let delivery = Delivery(
                id: id, sender: device.address, body: body, content: sealed.content, wrap: wrap.bytes)
            inbox[wrap.recipient, default: []].append(delivery)
            if lossy && rng.next() % 100 < Self.duplicatePercent {
                inbox[wrap.recipient, default: []].append(delivery)
            }
        }
    }

    private mutating func deliver(to device: TestDevice) {
        do {
            try openNext(at: device)
        } catch {
            fail("delivery to \(device.address) failed outside the receive: \(error)")
        }
    }

    private mutating func openNext(at device: TestDevice) throws {
        var queue = inbox[device.address] ?? []
        guard !queue.isEmpty else { return }
        let index = Int(rng.next() % UInt64(min(Self.reorderWindow, queue.count)))
        if index > 0 { coverage.reordered += 1 }
        let item = queue.remove(at: index)
        inbox[device.address] = queue

        let before = try device.store.contents()
        let recordBefore = try device.store.sessionRecord(for: item.sender)
        let seen = decrypted[device.address, default: []].contains(item.id)
        do {
            let opened = try device.cipher.open(
                content: item.content, wrap: item.wrap, channel: world.channel, author: item.sender.user,
                in: device.store)
            if seen { fail("message \(item.id) from \(item.sender) decrypted twice on \(device.address)") }
            if opened.payload.body != item.body || opened.sender != item.sender {
                fail("message \(item.id) from \(item.sender) opened on \(device.address) as \(opened)")
            }
            decrypted[device.address, default: []].insert(item.id)
            coverage.delivered += 1
            note(opened, before: recordBefore, after: try device.store.sessionRecord(for: item.sender))
        } catch {
            if try device.store.contents() != before {
                fail("a failed receive of message \(item.id) changed the store of \(device.address)")
            }
            let refused: Bool
            switch error as? RatchetError {
            case .duplicateMessage?, .authenticationFailed?: refused = true
            default: refused = false
            }
            if seen && refused {
                coverage.duplicatesRefused += 1
            } else {
                fail("message \(item.id) from \(item.sender) failed on \(device.address): \(error)")
            }
        }
    }

    /// Counts second sessions and promotions, from the sender's record before and after the receive.
    private mutating func note(_ opened: OpenedMessage, before: SessionRecord?, after: SessionRecord?) {
        guard let old = before, let new = after else { return }
        if opened.startedSession {
            coverage.simultaneousInitiations += 1
        } else if old.active.baseKey != new.active.baseKey {
            coverage.promotions += 1
        }
    }

    /// Delivers everything still waiting, in a shuffled order within the reorder window.
    private mutating func drain() {
        while true {
            let waiting = devices.filter { !(inbox[$0.address] ?? []).isEmpty }
            guard !waiting.isEmpty else { return }
            deliver(to: pick(waiting))
        }
    }

    private func fail(_ text: String) {
        Issue.record("seed \(seed) (\(world.kind.rawValue) stores): \(text)")
    }

    private static func order(_ lhs: DeviceAddress, _ rhs: DeviceAddress) -> Bool {
        lhs.description < rhs.description
    }
}
