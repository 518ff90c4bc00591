import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 16, item 2: a store restored from a stale backup never uses a message key twice, and the conversation
/// carries on. The restore archives every session, so the restored device's next send starts new sessions.
@Suite struct RestoredBackupTests {
    /// Every wrap one device posted, as (recipient, ratchet key, message number).
    final class SentWraps: @unchecked Sendable {  // used from one test task
        private(set) var headers: [String] = []

        func record(_ body: [UInt8], from sender: UUID) throws {
            let request = try WireJSON.decode(SendMessageRequest.self, from: body)
            for key in request.messageKeys {
                let wrap = try KeyWrap(parsing: key.encryptedKey)
                #expect(wrap.senderDevice == sender)
                let header = wrap.message.header
                headers.append("\(key.recipient)/\(Hex.encode(header.ratchetKey.bytes))/\(header.messageNumber)")
            }
        }

        var repeated: [String] {
            Dictionary(grouping: headers, by: { $0 }).filter { $0.value.count > 1 }.map(\.key)
        }
    }

    /// Posts `text` from `device`, recording its wraps.
    static func send(
        _ text: String, from device: TestDevice, channel: UUID, to peer: UUID, recording wraps: SentWraps
    ) async throws {
        let prepared = try await device.engine.prepareMessage(text: text, channel: channel, participants: [peer])
        try wraps.record(prepared.body, from: device.device)
        let sent = try await device.server.client(for: device.user).sendMessage(channel: channel, body: prepared.body)
        try await device.engine.markSent(prepared, messageID: sent.id)
    }

    @Test func aRestoredStaleBackupNeverReusesAMessageKeyAndBothSidesReadOn() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let server = TestServer()
        let alice = try await makeDevice("alice", server: server, in: directory)
        var bob = try await makeDevice("bob", server: server, in: directory)
        let channel = await server.createChannel([alice.user, bob.user])
        let bobWraps = SentWraps()
        let aliceWraps = SentWraps()

        /// Bob and Alice take turns, Bob first; each side must read every message of the other.
        func exchange(_ count: Int, label: String) async throws {
            for index in 0..<count {
                let text = "\(label) #\(index)"
                if index.isMultiple(of: 2) {
                    try await Self.send("bob " + text, from: bob, channel: channel, to: alice.user, recording: bobWraps)
                    #expect(received(await alice.pump(), by: alice) == ["bob " + text])
                } else {
                    try await Self.send(
                        "alice " + text, from: alice, channel: channel, to: bob.user, recording: aliceWraps)
                    #expect(received(await bob.pump(), by: bob) == ["alice " + text])
                }
            }
        }

        try await exchange(6, label: "before")
        let backup = try bob.exportBackup(in: directory)
        try await exchange(50, label: "after the export")

        // Bob's device is restored from the old backup (its store replaced), and the conversation goes on.
        bob = try await bob.restored(from: backup, in: directory)
        try await exchange(50, label: "after the restore")

        #expect(bobWraps.headers.count == 3 + 25 + 25)
        #expect(bobWraps.repeated.isEmpty, "message keys used twice: \(bobWraps.repeated)")
        #expect(aliceWraps.repeated.isEmpty)
    }
}
