import Foundation
import Testing
import UncordCrypto
import UncordE2EE
import UncordProtocol
import UncordRatchet
import UncordStore
import UncordTestSupport

extension HostileCatalogue {
    /// A send to a user Bob's device does not know yet, while the server answers the bundle route with hostile
    /// bundles; and a message too long to send.
    static let sendCases: [HostileCase] = [
        .send("bundle with a bad signed pre-key signature", { .noBundle(user: $0.dave) }) { f in
            let identity = X25519.PrivateKey.generate(using: SystemRandom())
            var list = try f.bundle(user: f.dave, device: UUID(), identity: identity.publicKey, signer: identity)
            list.devices[0].signature[0] ^= 0x01
            return .list(list)
        },
        .send("bundle signed for another device id", { .noBundle(user: $0.dave) }) { f in
            let identity = X25519.PrivateKey.generate(using: SystemRandom())
            var list = try f.bundle(user: f.dave, device: UUID(), identity: identity.publicKey, signer: identity)
            list.devices[0].deviceID = UUID()
            return .list(list)
        },
        .send("bundle listing another user's device", { .noBundle(user: $0.dave) }) { f in
            let carol = try f.carol.store.localIdentity().keyPair
            return .list(try f.bundle(user: f.dave, device: f.carol.device, identity: carol.publicKey, signer: carol))
        },
        .send("bundle list of another user", { .noBundle(user: $0.dave) }) { f in
            let carol = try f.carol.store.localIdentity().keyPair
            return .list(
                try f.bundle(user: f.carol.user, device: f.carol.device, identity: carol.publicKey, signer: carol))
        },
        .send("bundle listing the receiving device itself under another user", { .noBundle(user: $0.dave) }) { f in
            let bob = try f.bob.store.localIdentity().keyPair
            return .list(try f.bundle(user: f.dave, device: f.bobAddress.device, identity: bob.publicKey, signer: bob))
        },
        .send("bundle with a low-order identity key", { .noBundle(user: $0.dave) }) { f in
            .list(
                try f.bundle(
                    user: f.dave, device: UUID(), identity: try X25519.PublicKey(bytes: HostileKeys.orderEight),
                    signer: nil, signature: SystemRandom().bytes(64)))
        },
        .send("bundle with an identity key u = p", { .noBundle(user: $0.dave) }) { f in
            .list(
                try f.bundle(
                    user: f.dave, device: UUID(), identity: try X25519.PublicKey(bytes: HostileKeys.p), signer: nil,
                    signature: SystemRandom().bytes(64)))
        },
        .send("bundle whose identity key has bit 255 set", { .noBundle(user: $0.dave) }) { f in
            let identity = X25519.PrivateKey.generate(using: SystemRandom())
            return .list(
                try f.bundle(
                    user: f.dave, device: UUID(),
                    identity: try X25519.PublicKey(bytes: HostileKeys.highBitSet(identity.publicKey.bytes)),
                    signer: identity))
        },
        .send("bundle answer that is not JSON", { _ in .server(detail: "ProtocolError") }) { _ in
            .body("<html>502 Bad Gateway</html>")
        },
        .send("bundle with a 31-byte identity key", { _ in .server(detail: "ProtocolError") }) { f in
            .body(try bundleJSON(f) { $0["identity_key"] = Base64.encode([UInt8](repeating: 9, count: 31)) })
        },
        .send("bundle with URL-safe base64", { _ in .server(detail: "ProtocolError") }) { f in
            .body(try bundleJSON(f) { $0["signature"] = String(repeating: "_-", count: 43) })
        },
        .send("bundle with signed pre-key id 0", { _ in .server(detail: "ProtocolError") }) { f in
            .body(try bundleJSON(f) { $0["signed_pre_key_id"] = 0 })
        },
        .send("bundle with a one-time key id and no one-time key", { _ in .server(detail: "ProtocolError") }) { f in
            .body(try bundleJSON(f) { $0["one_time_key"] = nil })
        },
        .send("bundle route failing in transit", { _ in .server(detail: "TransportFailure") }) { _ in .failure },
        HostileCase(
            name: "a message above 4000 characters", entryPoint: .send,
            expected: { f in
                let payload = MessagePayload(
                    body: String(repeating: "x", count: 2900), senderDevice: f.bobAddress.device,
                    sentAt: "2025-01-01T00:00:00Z")
                let count = (try? payload.encoded().count) ?? 0
                return .engineError(.messageTooLong(characters: ContentCipher.contentCharacters(forPayloadOf: count)))
            }
        ) { f in
            {
                await Outcome.ofEngine {
                    _ = try await f.bob.engine.prepareMessage(
                        text: String(repeating: "x", count: 2900), channel: f.channel, participants: [f.alice.user])
                }
            }
        },
    ]

    /// A genuine bundle list for Dave, as JSON text in `{"data": …}`, with one device's fields changed.
    static func bundleJSON(_ fixture: HostileFixture, _ change: (inout [String: Any]) -> Void) throws -> String {
        let identity = X25519.PrivateKey.generate(using: SystemRandom())
        let list = try fixture.bundle(
            user: fixture.dave, device: UUID(), identity: identity.publicKey, signer: identity)
        let encoded = try WireJSON.encode(DataEnvelope(data: list))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any])
        var data = try #require(object["data"] as? [String: Any])
        var devices = try #require(data["devices"] as? [[String: Any]])
        change(&devices[0])
        data["devices"] = devices
        object["data"] = data
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// Backup files given to `SQLiteStore.importBackup`: the file Bob's device exported, damaged.
    static let backupCases: [HostileCase] = [
        backup(
            "backup cut inside its header",
            .backupNotRecognised(path: "", reason: "it is truncated inside its header")
        ) { $0.removeLast($0.count - 40) },
        backup(
            "a file that is not a backup",
            .backupNotRecognised(path: "", reason: "it does not start like an uncord-e2ee backup")
        ) { $0 = Array("SQLite format 3\u{0}".utf8) + $0 },
        backup(
            "backup asking Argon2id for 64 GiB",
            .backupNotRecognised(
                path: "", reason: "its key-derivation limits (1 passes, 68719476736 bytes) are out of range")
        ) { file in
            for index in 18..<26 { file[index] = 0 }
            file[21] = 0x10
        },
        backup("backup with one flipped byte in its sealed body", .backupAuthenticationFailed) {
            $0[$0.count / 2] ^= 1
        },
        backup("backup truncated by one byte", .backupAuthenticationFailed) { $0.removeLast() },
        backup("backup of format version 9", .backupVersionUnsupported(found: 9, supported: 1)) { $0[12] = 9 },
    ]

    /// A backup of Bob's store with cheap Argon2id limits, damaged by `damage`, imported into a new path: the
    /// import must fail with `expected` and leave no file behind.
    static func backup(
        _ name: String, _ expected: StoreError, _ damage: @escaping @Sendable (inout [UInt8]) -> Void
    ) -> HostileCase {
        HostileCase(name: name, entryPoint: .backup, expected: { _ in .storeError(expected) }) { f in
            let passphrase = SecureBytes(copying: Array("backup passphrase".utf8))
            let path = f.directory.path("bob.uncord-backup")
            try f.bob.store.exportBackup(
                to: path, passphrase: passphrase, parameters: .init(iterations: 1, memoryBytes: 8 << 20))
            var file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            damage(&file)
            try Data(file).write(to: URL(fileURLWithPath: path))
            return {
                let restored = f.directory.path("restored.sqlite")
                let outcome = Outcome.ofStore {
                    _ = try SQLiteStore.importBackup(
                        from: path, passphrase: passphrase, to: restored,
                        key: .rawKey(SecureBytes(random: 32, using: SystemRandom())))
                }
                return FileManager.default.fileExists(atPath: restored) ? .untyped("a store file was written") : outcome
            }
        }
    }
}
