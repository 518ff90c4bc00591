import Foundation
import Logging
import UncordClient
import UncordDevServer
import UncordE2EE
import UncordProtocol
import UncordRatchet

#if canImport(Glibc)
    import Glibc
#endif

/// `uncord-demo`: starts the development server next to this binary and walks Alice (laptop, phone) and Bob
/// (phone) through encrypted DMs over real HTTP and WebSocket, one SQLite store per device. Exits 0 when every
/// expected event arrived, 1 with the reason otherwise.
@main
enum UncordDemo {
    static func main() async {
        let started = ContinuousClock.now
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "uncord-demo-\(UUID().uuidString.prefix(8).lowercased())")
        var server: DevServerProcess?
        var failure: (any Error)?
        do {
            let data = root.appendingPathComponent("server")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            say("uncord-demo: end-to-end encrypted DMs over a local development server")
            let running = try await DevServerProcess.start(dataDirectory: data.path)
            server = running
            say("development server: \(running.baseURL.absoluteString) (temporary data folder)")
            let scenario = Scenario(server: running.baseURL, port: running.port, directory: root)
            try await withTimeout(.seconds(50), "the whole demo") { try await scenario.run() }
        } catch {
            failure = error
        }
        server?.stop()
        try? FileManager.default.removeItem(at: root)
        let duration = ContinuousClock.now - started
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let elapsed = String(format: "%.1f s", seconds)
        if let failure {
            FileHandle.standardError.write(Data("uncord-demo: FAILED after \(elapsed): \(failure)\n".utf8))
            exit(1)
        }
        say("\ndemo complete in \(elapsed): every expected event arrived")
        exit(0)
    }
}

/// The story, step by step.
struct Scenario: Sendable {
    let server: URL
    let port: Int
    let directory: URL
    let names = Names()
    let logger: Logger = {
        var logger = Logger(label: "uncord-demo")
        logger.logLevel = .critical
        return logger
    }()

    func step(_ title: String) {
        say("\n── \(title)")
    }

    func device(
        _ name: String, _ address: DeviceAddress, file: String, gateway: URL? = nil, oneTimePreKeys: Int = 20,
        linkingFrom existing: DemoDevice? = nil
    ) async throws -> DemoDevice {
        try await DemoDevice.start(
            name: name, address: address, storePath: directory.appendingPathComponent("\(file).sqlite").path,
            server: server, gatewayURL: gateway ?? server, oneTimePreKeys: oneTimePreKeys, names: names,
            logger: logger, linkingFrom: existing)
    }

    func run() async throws {
        let alice = UUID()
        let bob = UUID()
        let bobAddress = DeviceAddress(user: bob, device: UUID())

        step(
            "1. Alice (laptop, phone linked from the laptop) and Bob (phone): one SQLite store each, register, connect")
        let proxy = try await LoopbackRelay.start(towards: "127.0.0.1", port: port)
        guard let relayURL = URL(string: "http://127.0.0.1:\(proxy.port)") else {
            throw DemoError.setup("no relay URL")
        }
        let laptop = try await device("alice/laptop", DeviceAddress(user: alice, device: UUID()), file: "alice-laptop")
        let phone = try await device(
            "alice/phone", DeviceAddress(user: alice, device: UUID()), file: "alice-phone", gateway: relayURL,
            linkingFrom: laptop)
        var bobPhone = try await device("bob/phone", bobAddress, file: "bob-phone", oneTimePreKeys: 15)
        for device in [laptop, phone, bobPhone] { try await device.expectSession() }
        say("(alice/phone's gateway goes through a local TCP relay the demo can cut)")

        step("2. Alice opens a DM with Bob; Alice writes, Bob replies, Alice's phone sees both sides")
        let channel = try await laptop.api.createDMChannel(.direct(recipientID: bob)).id
        say("[alice/laptop] DM channel \(channel.uuidString.prefix(8).lowercased()) with bob")
        try await laptop.send("hi bob", channel: channel, to: [bob])
        try await bobPhone.expectMessage("hi bob")
        try await phone.expectMessage("hi bob")
        try await bobPhone.send("hi alice, got it", channel: channel, to: [alice])
        try await laptop.expectMessage("hi alice, got it")
        try await phone.expectMessage("hi alice, got it")

        step("3. alice/phone's connection drops; messages are sent while it is away")
        await proxy.cut()
        say("[alice/phone] ✂ connection cut (no close frame); reconnects refused for now")
        let late = [
            "are you there, phone?", "(laptop) the phone is offline", "#2 encrypted last, posted first",
            "#1 encrypted first, posted last",
        ]
        try await bobPhone.send(late[0], channel: channel, to: [alice])
        try await laptop.send(late[1], channel: channel, to: [bob])
        let first = try await bobPhone.engine.prepareMessage(text: late[3], channel: channel, participants: [alice])
        let second = try await bobPhone.engine.prepareMessage(text: late[2], channel: channel, participants: [alice])
        say("[bob/phone] encrypts two more, then posts them in the opposite order")
        try await bobPhone.post(second)
        try await bobPhone.post(first)
        for text in [late[0], late[2], late[3]] { try await laptop.expectMessage(text) }
        try await proxy.restore()
        say("[alice/phone] network back; the gateway client resumes with its last sequence number")
        try await phone.expectSession(resumed: true)
        for text in late { try await phone.expectMessage(text) }

        step("4. Bob's one-time pre-keys run low and are replenished from KEY_BUNDLE_LOW")
        let stranger = HTTPServerAPI(baseURL: server, token: "dev:\(UUID().uuidString.lowercased())", logger: logger)
        var count = try await bobPhone.api.oneTimePreKeyCount(device: bobAddress.device)
        say("[server] holds \(count) one-time pre-keys of bob/phone; a stranger fetches his bundle until 10 are left")
        var fetches = 0
        while count > 10 {
            _ = try await stranger.keyBundle(of: bob)
            count -= 1
            fetches += 1
        }
        say("[stranger] fetched bob's bundle \(fetches) times")
        _ = try await bobPhone.expect("KEY_BUNDLE_LOW → .keysReplenished") { event -> Int? in
            if case .keysReplenished(let count) = event { return count }
            return nil
        }
        let refilled = try await bobPhone.api.oneTimePreKeyCount(device: bobAddress.device)
        say("[server] holds \(refilled) one-time pre-keys of bob/phone again")

        step("5. Safety numbers; Alice compares them with Bob and marks him verified on her laptop")
        let before = try await printSafetyNumbers(laptop, phone: bobPhone, alice: alice, bob: bob)
        try await laptop.engine.verify(user: bob, safetyNumber: before)
        say("[alice/laptop] bob verified")

        step("6. Bob reinstalls with no other device to link from: a new account key, same device id")
        await bobPhone.shutdown()
        try await bobPhone.api.deleteDevice(bobAddress.device)
        bobPhone = try await device("bob/phone", bobAddress, file: "bob-phone-reinstalled")
        try await bobPhone.expectSession()
        do {
            try await laptop.send("are you still you?", channel: channel, to: [bob])
            throw DemoError.unexpected("alice/laptop could send to bob before accepting his new key")
        } catch E2EEError.identityChanged(let user, let devices) {
            guard user == bob, devices == [bobAddress.device] else {
                throw DemoError.unexpected("the refusal named another device")
            }
            say("[alice/laptop] ✗ send refused: E2EEError.identityChanged for bob (accept the new key first)")
        }
        // The warning came with the gateway's IDENTITY_KEY_CHANGED, or with the refused send when the new device's
        // signed pre-key was not up yet when the event arrived.
        let warning = try await laptop.expect("the trust warning for bob") { event -> TrustWarning? in
            if case .trustWarning(let warning) = event, warning.user == bob { return warning }
            return nil
        }
        guard warning.sendingBlocked else { throw DemoError.unexpected("a verified user's change did not block") }
        try await laptop.engine.acceptIdentityChange(user: bob)
        say("[alice/laptop] accepts bob's new account key (acceptIdentityChange)")
        try await laptop.send("welcome back, bob", channel: channel, to: [bob])
        try await bobPhone.expectMessage("welcome back, bob")
        try await phone.expectMessage("welcome back, bob")
        try await bobPhone.send("new phone, same bob", channel: channel, to: [alice])
        try await laptop.expectMessage("new phone, same bob")
        try await phone.expectMessage("new phone, same bob")
        // alice/phone judged Bob's list when his new device registered, before its signed pre-key was up; the
        // first message under the new key made it judge again, and warn.
        _ = try await phone.expect("the trust warning for bob") { event -> TrustWarning? in
            if case .trustWarning(let warning) = event, warning.user == bob { return warning }
            return nil
        }

        step("7. Safety numbers after the reinstall")
        let after = try await printSafetyNumbers(laptop, phone: bobPhone, alice: alice, bob: bob)
        say(after == before ? "unexpected: the number did not change" : "the number changed with Bob's new key")
        guard after != before else { throw DemoError.unexpected("the safety number did not change") }

        step("8. Bob links a tablet from his phone: the same account key, so the safety number stays")
        let tablet = try await device(
            "bob/tablet", DeviceAddress(user: bob, device: UUID()), file: "bob-tablet", linkingFrom: bobPhone)
        try await tablet.expectSession()
        try await laptop.send("hello to both of bob's devices", channel: channel, to: [bob])
        try await bobPhone.expectMessage("hello to both of bob's devices")
        try await tablet.expectMessage("hello to both of bob's devices")
        let linked = try await printSafetyNumbers(laptop, phone: bobPhone, alice: alice, bob: bob)
        guard linked == after else { throw DemoError.unexpected("linking a device changed the safety number") }
        say("unchanged by the new device: linking does not touch the account key")

        step("9. The server registers a device for Bob itself, with its own key and a valid self-signed pre-key")
        let rogueID = UUID()
        names.set("bob/server-added", for: DeviceAddress(user: bob, device: rogueID))
        let rogue = try await RogueDevice.register(rogueID, for: bob, server: server, logger: logger)
        say("[server] lists a third device for bob (its signed pre-key verifies under its own key)")
        try await laptop.send("for bob's own devices only", channel: channel, to: [bob])
        _ = try await laptop.expect("bob/server-added refused") { event -> Bool? in
            if case .deviceRefused(let user, let device, .foreignIdentityKey) = event, user == bob,
                device == rogue.device
            {
                return true
            }
            return nil
        }
        try await bobPhone.expectMessage("for bob's own devices only")
        try await tablet.expectMessage("for bob's own devices only")
        let keys = try await rogue.wrapsReceived(in: channel)
        say("[bob/server-added] its message list holds \(keys) key(s): it can read nothing")
        guard keys == 0 else { throw DemoError.unexpected("the server-added device got a key") }

        for device in [laptop, phone, bobPhone, tablet] { await device.shutdown() }
        await proxy.close()
    }

    /// Prints Alice's and Bob's view of their safety number (12 groups of 5 digits) and checks they agree.
    func printSafetyNumbers(_ laptop: DemoDevice, phone bobPhone: DemoDevice, alice: UUID, bob: UUID) async throws
        -> String
    {
        let aliceView = try await laptop.engine.safetyNumber(with: bob).formatted
        let bobView = try await bobPhone.engine.safetyNumber(with: alice).formatted
        say("[alice/laptop] safety number with bob:   \(aliceView)")
        say("[bob/phone]    safety number with alice: \(bobView)")
        guard aliceView == bobView else { throw DemoError.unexpected("Alice and Bob see different safety numbers") }
        say("they match")
        return aliceView
    }
}
