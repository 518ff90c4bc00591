import ArgumentParser
import Foundation
import UncordCrypto
import UncordE2EE
import UncordRatchet
import UncordStore

extension UncordKeys {
    /// `uncord-keys peers …`
    struct Peers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The users this device knows, how far their account keys are trusted, and their devices.",
            discussion: """
                Trust belongs to a user's account identity key, which every device the user linked holds. Trust \
                states: unverified (pinned on first use), verified (safety numbers compared), changed (a new account \
                key not yet accepted). A listed device is authorized (it holds the account key and its signed \
                pre-key is signed with it: it gets wraps) or refused, with the reason (foreignIdentityKey, \
                invalidSignedPreKeySignature, duplicateDeviceId): a refused device never reads anything. None of \
                these commands needs a server.

                Example:
                  uncord-keys peers list
                  uncord-keys peers show 6f1c2a4e-0000-4000-8000-000000000002
                """,
            subcommands: [List.self, Show.self, Verify.self, Accept.self]
        )
    }
}

/// Reads a user or device id argument, or says what is wrong with it.
func uuidArgument(_ name: String) -> @Sendable (String) throws -> UUID {
    { text in
        guard let id = UUID(uuidString: text) else {
            throw ValidationError("\(name) must be a UUID, like 6f1c2a4e-0000-4000-8000-000000000002 (got '\(text)')")
        }
        return id
    }
}

extension UncordKeys.Peers {
    /// `uncord-keys peers list [--json]`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the users this device knows, with their trust and devices.",
            discussion: """
                Your own account is listed too, marked (you). With --json, one object: peers [{user_id, self, trust, \
                sending_blocked, devices [{device_id, state, reason}]}].

                Example:
                  uncord-keys peers list --json
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let session = try LocalSession(storeOptions)
                let me = session.engine.address.user
                // A user is known once its device list was judged; it is listed once a key is pinned or a device judged.
                let peers = try await session.engine.peers().filter { $0.identity != nil || !$0.devices.isEmpty }
                if json {
                    try Output.json(PeerList(peers: peers.map { PeerJSON($0, me: me, details: false) }))
                    return
                }
                guard !peers.isEmpty else {
                    print("no peers yet: a user's devices are pinned when you send to them or hear from them")
                    return
                }
                for peer in peers {
                    let authorized = peer.devices.filter { $0.state == .authorized }.count
                    let refused = peer.devices.count - authorized
                    let trust =
                        peer.user == me ? "you" : peer.identity?.trust.rawValue ?? "no key"
                    let blocked = peer.sendingBlocked ? "  SENDING BLOCKED" : ""
                    let refusedText = refused > 0 ? ", \(refused) refused" : ""
                    print("\(peer.user.wire)  \(trust)  \(authorized) authorized device(s)\(refusedText)\(blocked)")
                }
            }
        }
    }

    /// `uncord-keys peers show USER [--json]`
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one user: the account key's trust and fingerprint, and each device's state.",
            discussion: """
                The fingerprint is 30 digits over the user's account key and user id (PROTOCOL.md section 8). With \
                --json, one object: user_id, self, trust, sending_blocked, fingerprint, identity_key, \
                pending_identity_key?, first_seen_at, verified_at?, changed_at?, devices [{device_id, state \
                (authorized or refused), reason (null, foreignIdentityKey, invalidSignedPreKeySignature or \
                duplicateDeviceId), identity_key}].

                Example:
                  uncord-keys peers show 6f1c2a4e-0000-4000-8000-000000000002
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The user's id.", valueName: "user"), transform: uuidArgument("USER"))
        var user: UUID

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let session = try LocalSession(storeOptions)
                let peer = try await session.engine.peer(user)
                let shown = PeerJSON(peer, me: session.engine.address.user, details: true)
                if json {
                    try Output.json(shown)
                    return
                }
                var rows = [
                    ("user", peer.user.wire + (shown.isSelf ? " (you)" : "")),
                    ("trust", shown.trust ?? (shown.isSelf ? "your own account key" : "no key pinned")),
                    (
                        "sending",
                        peer.sendingBlocked
                            ? "blocked until the changed key is accepted (`uncord-keys peers accept \(peer.user.wire)`)"
                            : "allowed"
                    ),
                ]
                if let fingerprint = shown.fingerprint { rows.append(("fingerprint", Self.grouped(fingerprint))) }
                if let key = shown.identityKey { rows.append(("account key", key)) }
                if let pending = shown.pendingIdentityKey { rows.append(("changed to (pending)", pending)) }
                if let first = shown.firstSeenAt { rows.append(("first seen", first)) }
                if let verified = shown.verifiedAt { rows.append(("last verified", verified)) }
                if let changed = shown.changedAt { rows.append(("last changed", changed)) }
                Output.rows(rows)
                for device in shown.devices {
                    print("")
                    Output.rows([
                        ("device", device.deviceID),
                        ("state", device.state + (device.reason.map { " (\($0))" } ?? "")),
                        ("identity key", device.identityKey),
                    ])
                }
            }
        }

        /// Digits in groups of 5.
        static func grouped(_ digits: String) -> String {
            stride(from: 0, to: digits.count, by: 5).map { offset in
                let start = digits.index(digits.startIndex, offsetBy: offset)
                return String(digits[start..<digits.index(start, offsetBy: min(5, digits.count - offset))])
            }.joined(separator: " ")
        }
    }

    /// `uncord-keys peers verify USER --safety-number DIGITS [--json]`
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a user verified, after comparing safety numbers with them out of band.",
            discussion: """
                Give the 60 digits the other person reads out or shows (spaces allowed), or the text their QR code \
                holds (UEDM1-SN:…). A number that does not match the one computed from the keys this device holds \
                is refused with exit code 3 and nothing changes; so is a user with a changed identity key not yet \
                accepted (`peers accept` first). Verifying a user covers every device that holds their account key. \
                With --json, one object: user_id, verified_devices (the authorized devices).

                Example:
                  uncord-keys safety-number 6f1c2a4e-0000-4000-8000-000000000002
                  uncord-keys peers verify 6f1c2a4e-0000-4000-8000-000000000002 \\
                      --safety-number '05261 71394 02871 … 78990'
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The user's id.", valueName: "user"), transform: uuidArgument("USER"))
        var user: UUID

        @Option(help: ArgumentHelp("The 60-digit safety number the other person has.", valueName: "digits"))
        var safetyNumber: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            let text =
                safetyNumber.hasPrefix(SafetyNumber.scannablePrefix)
                ? String(safetyNumber.dropFirst(SafetyNumber.scannablePrefix.count)) : safetyNumber
            guard SafetyNumber(digits: text) != nil else {
                throw ValidationError(
                    "--safety-number must be 60 digits (spaces allowed) or the UEDM1-SN: text of the QR code; "
                        + "`uncord-keys safety-number USER` shows this device's")
            }
        }

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let session = try LocalSession(storeOptions)
                do {
                    try await session.engine.verify(user: user, safetyNumber: safetyNumber)
                } catch E2EEError.safetyNumberMismatch {
                    throw CLIError.safetyNumberMismatch(user: user)
                }
                let devices = try await session.engine.peer(user).devices.filter { $0.state == .authorized }.map(
                    \.address.device.wire)
                if json {
                    try Output.json(Verified(userID: user.wire, verifiedDevices: devices))
                    return
                }
                print("verified \(user.wire): their account key, held by \(devices.count) authorized device(s)")
            }
        }

        private struct Verified: Encodable {
            var userID: String
            var verifiedDevices: [String]
            enum CodingKeys: String, CodingKey {
                case userID = "user_id"
                case verifiedDevices = "verified_devices"
            }
        }
    }

    /// `uncord-keys peers accept USER [--json]`
    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept a user's changed account key: it becomes unverified and no longer blocks sending.",
            discussion: """
                Do this once you know why the key changed (a reinstall with no device to link from, an identity \
                rotation). A user whose key did not change is refused and nothing changes. Compare safety numbers \
                again to mark them verified. With --json, one object: user_id, trust.

                Example:
                  uncord-keys peers accept 6f1c2a4e-0000-4000-8000-000000000002
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The user's id.", valueName: "user"), transform: uuidArgument("USER"))
        var user: UUID

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let session = try LocalSession(storeOptions)
                try await session.engine.acceptIdentityChange(user: user)
                if json {
                    try Output.json(["user_id": user.wire, "trust": "unverified"])
                    return
                }
                print(
                    "accepted the new account key of \(user.wire): it is unverified now; "
                        + "compare safety numbers (`uncord-keys safety-number \(user.wire)`) to verify it")
            }
        }
    }
}

/// A peer as `peers list` and `peers show` print it in JSON.
struct PeerList: Encodable {
    var peers: [PeerJSON]
}

/// One peer user in JSON.
struct PeerJSON: Encodable {
    struct DeviceJSON: Encodable {
        var deviceID: String
        var state: String
        var reason: String?
        var identityKey: String

        enum CodingKeys: String, CodingKey {
            case state, reason
            case deviceID = "device_id"
            case identityKey = "identity_key"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(deviceID, forKey: .deviceID)
            try container.encode(state, forKey: .state)
            try container.encode(reason, forKey: .reason)
            try container.encode(identityKey, forKey: .identityKey)
        }
    }

    var userID: String
    var isSelf: Bool
    var trust: String?
    var sendingBlocked: Bool
    var fingerprint: String?
    var identityKey: String?
    var pendingIdentityKey: String?
    var firstSeenAt: String?
    var verifiedAt: String?
    var changedAt: String?
    var devices: [DeviceJSON]

    /// The JSON of `peer`; with `details`, the fingerprint, keys and times too.
    init(_ peer: PeerTrust, me: UUID, details: Bool) {
        userID = peer.user.wire
        isSelf = peer.user == me
        trust = peer.identity?.trust.rawValue
        sendingBlocked = peer.sendingBlocked
        devices = peer.devices.map { device in
            var json = DeviceJSON(
                deviceID: device.address.device.wire, state: device.state == .authorized ? "authorized" : "refused",
                reason: nil, identityKey: Base64.encode(device.identityKey))
            if case .refused(let reason) = device.state { json.reason = reason.rawValue }
            return json
        }
        if details, let identity = peer.identity {
            fingerprint = peer.fingerprint
            identityKey = Base64.encode(identity.identityKey.bytes)
            pendingIdentityKey = identity.pendingKey.map { Base64.encode($0.bytes) }
            firstSeenAt = Output.time(identity.firstSeenAt)
            verifiedAt = Output.time(identity.verifiedAt)
            changedAt = Output.time(identity.changedAt)
        }
    }

    enum CodingKeys: String, CodingKey {
        case devices, trust, fingerprint
        case userID = "user_id"
        case isSelf = "self"
        case sendingBlocked = "sending_blocked"
        case identityKey = "identity_key"
        case pendingIdentityKey = "pending_identity_key"
        case firstSeenAt = "first_seen_at"
        case verifiedAt = "verified_at"
        case changedAt = "changed_at"
    }
}
