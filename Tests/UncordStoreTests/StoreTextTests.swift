import Foundation
import Testing

@testable import UncordStore

/// The store's hand-written text form of a UUID equals what Foundation writes (Docs/PERFORMANCE.md); timestamps are
/// UncordProtocol's (`TimestampFormattingTests`).
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
}
