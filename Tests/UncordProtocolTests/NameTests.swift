import Testing
import UncordProtocol

@Suite("Opcodes and event names")
struct NameTests {
    /// The 35 names of Uncord's `events` package, spelled out independently of the module.
    static let seedNames = [
        "READY", "RESUMED", "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "CHANNEL_CREATE", "CHANNEL_UPDATE",
        "CHANNEL_DELETE", "MEMBER_ADD", "MEMBER_UPDATE", "MEMBER_REMOVE", "ROLE_CREATE", "ROLE_UPDATE", "ROLE_DELETE",
        "PRESENCE_UPDATE", "TYPING_START", "TYPING_STOP", "MESSAGE_ACK", "REACTION_ADD", "REACTION_REMOVE",
        "THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE", "DM_CHANNEL_CREATE", "DM_MESSAGE_CREATE",
        "DM_MESSAGE_UPDATE", "DM_MESSAGE_DELETE", "KEY_BUNDLE_LOW", "IDENTITY_KEY_CHANGED", "INVITE_CREATE",
        "INVITE_DELETE", "WEBHOOK_UPDATE", "EMOJI_UPDATE", "SERVER_UPDATE", "SLASH_COMMAND_INVOCATION",
    ]

    @Test("allKnown lists exactly the 35 seed names, in order")
    func allKnownMatchesSeed() {
        #expect(Self.seedNames.count == 35)
        #expect(DispatchEvent.allKnown.map(\.rawValue) == Self.seedNames)
        #expect(Set(DispatchEvent.allKnown).count == 35)
    }

    @Test("every seed name reads as a known case and round-trips", arguments: seedNames)
    func knownName(name: String) throws {
        let event = DispatchEvent(rawValue: name)
        #expect(event.isKnown)
        if case .unknown = event { Issue.record("\(name) read as unknown") }
        #expect(event.rawValue == name)
        let frame = try Frame(parsing: #"{"op":0,"s":1,"t":""# + name + #""}"#)
        #expect(frame.type == event)
    }

    @Test("the engine's events have the cases it switches on")
    func engineEvents() {
        #expect(DispatchEvent(rawValue: "READY") == .ready)
        #expect(DispatchEvent(rawValue: "RESUMED") == .resumed)
        #expect(DispatchEvent(rawValue: "DM_CHANNEL_CREATE") == .dmChannelCreate)
        #expect(DispatchEvent(rawValue: "DM_MESSAGE_CREATE") == .dmMessageCreate)
        #expect(DispatchEvent(rawValue: "DM_MESSAGE_UPDATE") == .dmMessageUpdate)
        #expect(DispatchEvent(rawValue: "DM_MESSAGE_DELETE") == .dmMessageDelete)
        #expect(DispatchEvent(rawValue: "KEY_BUNDLE_LOW") == .keyBundleLow)
        #expect(DispatchEvent(rawValue: "IDENTITY_KEY_CHANGED") == .identityKeyChanged)
    }

    @Test("unknown names keep their exact text", arguments: ["FOO", "ready", "READY ", "", "DM_MESSAGE_CREATÉ"])
    func unknownName(name: String) {
        let event = DispatchEvent(rawValue: name)
        #expect(event.rawValue == name)
        #expect(!event.isKnown)
        #expect(event == .unknown(name))
    }

    @Test("an unknown case holding a known name equals the known case")
    func unknownEqualsKnown() {
        #expect(DispatchEvent.unknown("READY") == .ready)
        #expect(DispatchEvent.unknown("READY").isKnown)
        #expect(Set([DispatchEvent.unknown("READY"), .ready]).count == 1)
    }

    @Test("the nine opcodes have their numbers")
    func opcodes() {
        let expected: [(Opcode, Int32, String)] = [
            (.dispatch, 0, "dispatch"), (.heartbeat, 1, "heartbeat"), (.identify, 2, "identify"),
            (.presenceUpdate, 3, "presenceUpdate"), (.resume, 6, "resume"), (.reconnect, 7, "reconnect"),
            (.invalidSession, 9, "invalidSession"), (.hello, 10, "hello"), (.heartbeatAck, 11, "heartbeatAck"),
        ]
        for (opcode, number, name) in expected {
            #expect(opcode.rawValue == number)
            #expect(opcode.name == name)
            #expect(Opcode(rawValue: number) == opcode)
        }
        #expect(Opcode.allKnown == expected.map(\.0))
    }

    @Test("other opcode numbers pass through; negative ones are not opcodes")
    func otherOpcodes() throws {
        let four = try #require(Opcode(rawValue: 4))
        #expect(four.name == nil)
        #expect(four.description == "unknown (4)")
        #expect(Opcode.hello.description == "hello (10)")
        #expect(Opcode(rawValue: Int32.max)?.rawValue == Int32.max)
        #expect(Opcode(rawValue: -1) == nil)
    }
}
