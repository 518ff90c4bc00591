import Foundation
import Testing
import UncordRatchet

@testable import UncordStore

/// The store's hand-written text form of a UUID equals what Foundation writes (Docs/PERFORMANCE.md); timestamps are
/// UncordProtocol's (`TimestampFormattingTests`); trust levels are their raw values, the texts stores already hold.
@Suite("Store text forms")
struct StoreTextTests {
    @Test("UUIDs are written as uuidString.lowercased()")
    func uuids() {
        for _ in 0..<20_000 {
            let id = UUID()
            #expect(id.lowercased == id.uuidString.lowercased())
        }
        let edges = [
            UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
        ]
        for id in edges { #expect(id.lowercased == id.uuidString.lowercased()) }
    }

    @Test("Trust levels are stored as the texts stores already hold, and no other text is one")
    func trustLevels() {
        let levels: [(PinnedIdentity.Level, String)] = [
            (.unverified, "unverified"), (.verified, "verified"), (.changed, "changed"),
        ]
        for (level, text) in levels {
            #expect(level.rawValue == text)
            #expect(PinnedIdentity.Level(rawValue: text) == level)
        }
        for text in ["Verified", "trusted", "", " verified"] { #expect(PinnedIdentity.Level(rawValue: text) == nil) }
    }
}
