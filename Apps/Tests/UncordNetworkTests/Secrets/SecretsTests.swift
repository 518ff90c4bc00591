import Foundation
import Logging
import Testing
import UncordClient
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

/// Issue 9, item 4: no secret in log output or in an error's text. The secrets are every key a device held (its
/// identity, signed and one-time pre-keys, and the root, chain, message and ratchet keys of its sessions), the
/// store passphrase, the access tokens and every message text; ``SecretText`` looks for them in every printable
/// form. (`SecureBytesWipeTests` in UncordCryptoTests shows the bytes themselves are wiped.)
@Suite("Secrets in logs and errors", .serialized)
struct SecretsTests {
    @Test("A full run's trace-level log output and every error it met hold no secret")
    func fullRun() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let seed = ChaosScenario.seedFromEnvironment ?? 20_260_109
        let run = try await ChaosScenario(seed: seed, messagesPerDevice: 6, directory: directory).run()
        var secrets = run.initialSecrets
        for device in run.devices { try secrets.addKeys(of: device.store, device.name) }
        for sent in run.sent { secrets.add(text: sent.body, "message \"\(sent.body)\"") }
        secrets.add(text: run.passphrase, "store passphrase")
        for token in run.tokens { secrets.add(text: token, "access token \(token)") }

        // A client with a wrong token and a server that is gone: their errors are in the run too.
        let stranger = HTTPServerAPI(
            baseURL: try #require(URL(string: "http://127.0.0.1:9")), token: "dev:secret-token-\(seed)-not-a-user",
            timeout: .seconds(2), logger: run.recorder.logger("stranger"))
        secrets.add(text: "dev:secret-token-\(seed)-not-a-user", "a stranger's token")
        var errors = run.errors
        do { _ = try await stranger.devices() } catch { errors.append(error) }

        let lines = run.recorder.all
        var leaks: [String] = []
        for line in lines {
            let found = secrets.find(in: line)
            if !found.isEmpty { leaks.append("log line \"\(line)\" holds \(found.sorted())") }
        }
        for error in errors {
            let found = secrets.find(in: "\(error)").union(secrets.find(in: String(reflecting: error)))
            if !found.isEmpty { leaks.append("error \(error) holds \(found.sorted())") }
        }
        #expect(leaks.isEmpty, "\(leaks.prefix(20).joined(separator: "\n"))")
        #expect(lines.contains { $0.hasPrefix("trace") || $0.hasPrefix("debug") }, "the run logged at trace level")
        #expect(secrets.count > 200)
        let bytes = lines.reduce(0) { $0 + $1.utf8.count }
        print(
            "secrets: \(lines.count) log lines (\(bytes) bytes, trace level, \(run.devices.count) devices and the "
                + "server) and \(errors.count) errors scanned for \(secrets.count) secrets: \(leaks.count) found")
    }

    /// Errors raised by inputs that carry secrets — the kind of input where a careless error would quote its value.
    @Test("Errors from inputs that carry secrets do not repeat them")
    func errorsFromSecretInputs() async throws {
        let directory = try Scratch("uncord-e2ee", passphraseFiles: false)
        let passphrase = "error test passphrase — battery staple horse"
        let plaintext = "the meeting is at noon, tell nobody"
        let address = DeviceAddress(user: UUID(), device: UUID())
        let store = try SQLiteStore.create(
            at: directory.path("store"), device: address,
            key: .passphrase(SecureBytes(copying: Array(passphrase.utf8))), oneTimePreKeys: 5)
        var secrets = SecretText()
        try secrets.addKeys(of: store, "device")
        secrets.add(text: passphrase, "passphrase")
        secrets.add(text: plaintext, "plaintext")
        let identity = try store.localIdentity().keyPair.secret.exportBytes()
        let identityHex = Hex.encode(identity)
        let identityBase64 = Base64.encode(identity)
        let payload = #"{"v":1,"type":"text","body":"\#(plaintext)","sender_device":"\#(plaintext)","sent_at":"x"}"#

        var errors: [any Error] = []
        func collect(_ body: () throws -> Void) {
            do { try body() } catch { errors.append(error) }
        }
        collect { _ = try Base64.decode(identityBase64 + "!") }
        collect { _ = try Base64.decode(identityHex + "é") }
        collect { _ = try Hex.decode(passphrase) }
        collect { _ = try Hex.decode(identityHex + "z") }
        collect { _ = try X25519.PrivateKey(secret: SecureBytes(copying: Array(identity.prefix(31)))) }
        collect {
            _ = try XChaCha20Poly1305.open(
                Array(plaintext.utf8), key: SecureBytes(copying: identity), nonce: [UInt8](repeating: 0, count: 24),
                authenticating: Array(passphrase.utf8))
        }
        collect { _ = try MessagePayload(decoding: Array(payload.utf8)) }
        collect { _ = try WireJSON.decode(MessagePayload.self, from: payload) }
        collect { _ = try WireJSON.decode(Message.self, from: #"{"id":"\#(plaintext)"}"#) }
        collect { _ = try Frame(parsing: #"{"op":"\#(passphrase)"}"#) }
        collect { _ = try Frame(parsing: plaintext) }
        collect {
            _ = try WireJSON.decode(
                UserKeyBundle.self,
                from:
                    #"{"user_id":"\#(UUID())","devices":[{"device_id":"\#(UUID())","identity_key":"\#(identityBase64)1"}]}"#
            )
        }
        collect {
            _ = try SessionCipher().open(
                content: Array(plaintext.utf8), wrap: [2] + identity, channel: UUID(), author: UUID(), in: store)
        }
        collect {
            _ = try SessionCipher().open(
                content: Array(plaintext.utf8),
                wrap: [1] + identity + identity + identity + identity
                    + [UInt8](
                        repeating: 0, count: 10), channel: UUID(), author: UUID(), in: store)
        }
        collect {
            _ = try SQLiteStore.open(
                at: directory.path("store"), key: .passphrase(SecureBytes(copying: Array((passphrase + "!").utf8))))
        }
        collect { _ = try SQLiteStore.open(at: directory.path("store"), key: .rawKey(SecureBytes(copying: identity))) }
        collect {
            try store.exportBackup(
                to: directory.path("backup"), passphrase: SecureBytes(copying: Array(plaintext.utf8)),
                parameters: .init(iterations: 1, memoryBytes: 8 << 20))
            _ = try SQLiteStore.importBackup(
                from: directory.path("backup"), passphrase: SecureBytes(copying: Array(passphrase.utf8)),
                to: directory.path("restored"), key: .rawKey(SecureBytes(copying: identity)))
        }
        let engine = try E2EEEngine(offline: store, logger: Logger(label: "x") { _ in SwiftLogNoOpLogHandler() })
        do { try await engine.verify(user: UUID(), safetyNumber: plaintext) } catch { errors.append(error) }
        do { _ = try await engine.prepareMessage(text: plaintext, channel: UUID(), participants: [UUID()]) } catch {
            errors.append(error)
        }
        let api = HTTPServerAPI(
            baseURL: try #require(URL(string: "http://127.0.0.1:9")), token: passphrase, timeout: .seconds(2),
            logger: Logger(label: "x") { _ in SwiftLogNoOpLogHandler() })
        do { _ = try await api.keyBundle(of: UUID()) } catch { errors.append(error) }

        #expect(errors.count == 20, "every call failed: \(errors.count)")
        var types: Set<String> = []
        for error in errors {
            types.insert("\(type(of: error))")
            let text = "\(error) | \(String(reflecting: error)) | \(error.localizedDescription)"
            let found = secrets.find(in: text)
            #expect(found.isEmpty, "\(type(of: error)) \(error) holds \(found.sorted())")
        }
        print(
            "secrets: \(errors.count) errors of \(types.count) types (\(types.sorted().joined(separator: ", "))) scanned"
        )
    }
}

/// The scanner finds what it is meant to find, so that "nothing found" means something.
@Suite("Secret scanner")
struct SecretTextTests {
    @Test("Every printable form of a secret is found")
    func forms() {
        let key = (0..<32).map { UInt8($0 * 7 + 3) }
        var secrets = SecretText()
        secrets.add(key, "key")
        secrets.add(text: "a secret sentence", "text")
        let forms = [
            Hex.encode(key), Hex.encode(key).uppercased(), "\(key)", Base64.encode(key), Base64.encode([9] + key),
            Base64.encode([9, 9] + key), Base64.encode(key).replacingOccurrences(of: "/", with: "_"),
        ]
        for form in forms { #expect(secrets.find(in: "log: \(form) end") == ["key"], "\(form)") }
        #expect(secrets.find(in: "said: a secret sentence.") == ["text"])
        #expect(secrets.find(in: Base64.encode(Array("a secret sentence".utf8))) == ["text"])
        #expect(secrets.find(in: "nothing here, \(Hex.encode(key.reversed()))").isEmpty)
    }
}
