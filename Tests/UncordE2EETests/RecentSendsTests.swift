import Foundation
import Testing
import UncordRatchet
import UncordTestSupport

@testable import UncordE2EE

/// `E2EEEngine.sentContents` (issue 17 item 6): the engine remembers its last 1,000 sends for their echoes, never
/// more, however many it makes.
@Suite("Recent sends")
struct RecentSendsTests {
    static func entry(_ index: Int) -> RecentSends.Entry {
        (UUID(), MessagePayload(body: "send \(index)", senderDevice: UUID(), sentAt: "2025-06-15T15:06:40Z"), nil)
    }

    @Test("The engine's memory of its sends holds the last 1,000")
    func theEngineKeepsTheLastThousand() async throws {
        let directory = try Scratch("uncord-e2ee")
        let alice = try await makeDevice("alice", server: TestServer(), in: directory)
        #expect(await alice.engine.sentContents.limit == 1000)
    }

    @Test("Only the last sends up to the limit are remembered, the oldest forgotten first")
    func bounded() {
        var sends = RecentSends(limit: 1000)
        for index in 0..<5000 {
            sends["content \(index)"] = Self.entry(index)
            #expect(sends.count == min(index + 1, 1000))
        }
        #expect(sends["content 3999"] == nil)
        #expect(sends["content 4000"]?.payload.body == "send 4000")
        #expect(sends["content 4999"]?.payload.body == "send 4999")
    }

    @Test("Updating a remembered send neither grows the memory nor makes it younger; forgetting one frees its place")
    func updatesAndRemovals() {
        var sends = RecentSends(limit: 3)
        for index in 0..<3 { sends["content \(index)"] = Self.entry(index) }
        var first = sends["content 0"]
        first?.messageID = UUID()
        sends["content 0"] = first
        #expect(sends.count == 3)
        sends["content 3"] = Self.entry(3)
        #expect(sends["content 0"] == nil)
        #expect(sends.count == 3)
        sends["content 2"] = nil
        #expect(sends.count == 2)
        sends["content 4"] = Self.entry(4)
        #expect(sends.count == 3)
        #expect(sends["content 1"]?.payload.body == "send 1")
        #expect(sends["content 4"]?.payload.body == "send 4")
    }
}
