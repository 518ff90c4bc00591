import Foundation
import Logging
import Testing
import UncordClient
import UncordE2EE
import UncordProtocol
import UncordTestSupport

/// Issue 16 item 1 over the development server: a device away while 260 messages arrive gets every one of them
/// when its `listen` connects, once each, oldest first, with the catch-up's progress on standard error.
@Suite(.serialized)
struct CatchUpNetworkTests {
    @Test func listenPrintsAllTwoHundredSixtyMissedMessagesOnceInOrder() async throws {
        let (cluster, alice, bob, channel) = try await Cluster.aliceAndBob()
        let sent = try await cluster.sendInProcess(alice, count: 260, channel: channel, to: bob.user)

        let listener = try await cluster.listen(bob)
        // The last progress line follows the last message, on the other stream: wait for both.
        let finished = "catching up in \(channel): 260 of 260 messages"
        try await listener.waitUntil(timeout: .seconds(90), "bob to print 260 messages and the catch-up's end") {
            lines in Cluster.messages(in: lines).count >= sent.count && listener.standardError.contains(finished)
        }
        listener.terminate()
        let printed = Cluster.messages(in: listener.lines)
        #expect(printed.map(\.messageID) == sent)
        #expect(printed.map(\.body) == (1...260).map { "missed \($0)" })
        let events = Cluster.events(in: listener.lines)
        #expect(
            (events.firstIndex(of: "ready") ?? .max) < (events.firstIndex(of: "message") ?? -1),
            "READY is not held back behind the catch-up")
        #expect(listener.standardError.contains("catching up in \(channel): 100 of 260 messages"))
        #expect(listener.standardError.contains(finished))
    }
}

extension Cluster {
    /// Sends `count` messages ("missed 1", "missed 2", …) from `device` to `user` through an engine in this process
    /// on the device's store (a command per message would take minutes); answers their ids, in order.
    func sendInProcess(_ device: Device, count: Int, channel: String, to user: String) async throws -> [String] {
        let logger = Logger(label: "catch-up-network-tests") { _ in SwiftLogNoOpLogHandler() }
        let api = HTTPServerAPI(
            baseURL: try #require(URL(string: serverURL)), token: "dev:\(device.user)", logger: logger)
        let engine = try E2EEEngine(store: try openStore(device), server: api, logger: logger)
        let channelID = try #require(UUID(uuidString: channel))
        let recipient = try #require(UUID(uuidString: user))
        var sent: [String] = []
        for index in 1...count {
            let prepared = try await engine.prepareMessage(
                text: "missed \(index)", channel: channelID, participants: [recipient])
            let message = try await api.sendMessage(channel: channelID, body: prepared.body)
            try await engine.markSent(prepared, messageID: message.id)
            sent.append(message.id.uuidString.lowercased())
        }
        return sent
    }
}
