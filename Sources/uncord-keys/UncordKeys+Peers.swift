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
            abstract: "The users and devices this device knows, and how far their identity keys are trusted.",
            discussion: """
                Trust states: unverified (pinned on first use), verified (safety numbers compared), changed (a new \
                identity key not yet accepted). None of these commands needs a server.

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
            abstract: "List the users this device knows, with their devices' trust.",
            discussion: """
                Your own user's other devices are listed too, marked (you). With --json, one object: peers \
                [{user_id, self, sending_blocked, devices [{device_id, trust, send_blocked}]}].

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
                // A user is known once its device list was fetched; it is listed once a device of it is pinned.
                let peers = try await session.engine.peers().filter { !$0.devices.isEmpty }
                if json {
                    try Output.json(PeerList(peers: peers.map { PeerJSON($0, me: me, details: false) }))
                    return
                }
                guard !peers.isEmpty else {
                    print("no peers yet: a user's devices are pinned when you send to them or hear from them")
                    return
                }
                for peer in peers {
                    let counts = Dictionary(grouping: peer.devices, by: \.trust).map { level, devices in
                        "\(devices.count) \(ListenOutput.name(of: level))"
                    }.sorted().joined(separator: ", ")
                    let blocked = peer.sendingBlocked ? "  SENDING BLOCKED" : ""
                    let you = peer.user == me ? " (you)" : ""
                    print("\(peer.user.wire)\(you)  \(peer.devices.count) device(s): \(counts)\(blocked)")
                }
            }
        }
    }

    /// `uncord-keys peers show USER [--json]`
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one user's devices: fingerprints, identity keys, trust, first seen, verified and changed.",
            discussion: """
                A device's fingerprint is 30 digits over its identity key and user id (PROTOCOL.md section 8), to \
                compare one device out of band. With --json, one object: user_id, self, sending_blocked, devices \
                [{device_id, trust, send_blocked, fingerprint, identity_key, first_seen_at, verified_at?, \
                changed_at?}].

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
                Output.rows([
                    ("user", peer.user.wire + (shown.isSelf ? " (you)" : "")),
                    (
                        "sending",
                        peer.sendingBlocked
                            ? "blocked until each changed key is accepted (`uncord-keys peers accept USER DEVICE`)"
                            : "allowed"
                    ),
                ])
                for device in shown.devices {
                    print("")
                    var rows = [
                        ("device", device.deviceID),
                        ("trust", device.trust + (device.sendBlocked ? ", blocks sending" : "")),
                        ("fingerprint", Self.grouped(device.fingerprint ?? "")),
                        ("identity key", device.identityKey ?? ""),
                        ("first seen", device.firstSeenAt ?? "?"),
                    ]
                    if let verified = device.verifiedAt { rows.append(("last verified", verified)) }
                    if let changed = device.changedAt { rows.append(("last changed", changed)) }
                    Output.rows(rows)
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
            abstract: "Mark a user's devices verified, after comparing safety numbers with them out of band.",
            discussion: """
                Give the 60 digits the other person reads out or shows (spaces allowed), or the text their QR code \
                holds (UEDM1-SN:…). A number that does not match the one computed from the keys this device holds \
                is refused with exit code 3 and nothing changes; so is a user with a changed identity key not yet \
                accepted (`peers accept` first). With --json, one object: user_id, verified_devices.

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
                let devices = try await session.engine.peer(user).devices.map(\.address.device.wire)
                if json {
                    try Output.json(Verified(userID: user.wire, verifiedDevices: devices))
                    return
                }
                print("verified \(user.wire): \(devices.count) device(s) marked verified")
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

    /// `uncord-keys peers accept USER DEVICE [--json]`
    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept a device's changed identity key: it becomes unverified and no longer blocks sending.",
            discussion: """
                Do this once you know why the key changed (a reinstall, a new phone). A device whose key did not \
                change is refused and nothing changes. Compare safety numbers again to mark it verified. With \
                --json, one object: user_id, device_id, trust.

                Example:
                  uncord-keys peers accept 6f1c2a4e-0000-4000-8000-000000000002 3d2c1b0a-0000-4000-8000-000000000009
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: ArgumentHelp("The user's id.", valueName: "user"), transform: uuidArgument("USER"))
        var user: UUID

        @Argument(help: ArgumentHelp("The device's id.", valueName: "device"), transform: uuidArgument("DEVICE"))
        var device: UUID

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            try await reportingFailures(storePath: storeOptions.path) {
                let session = try LocalSession(storeOptions)
                try await session.engine.acceptIdentityChange(user: user, device: device)
                if json {
                    try Output.json(["user_id": user.wire, "device_id": device.wire, "trust": "unverified"])
                    return
                }
                print(
                    "accepted the new identity key of \(user.wire)/\(device.wire): it is unverified now; "
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
        var trust: String
        var sendBlocked: Bool
        var fingerprint: String?
        var identityKey: String?
        var firstSeenAt: String?
        var verifiedAt: String?
        var changedAt: String?

        enum CodingKeys: String, CodingKey {
            case trust, fingerprint
            case deviceID = "device_id"
            case sendBlocked = "send_blocked"
            case identityKey = "identity_key"
            case firstSeenAt = "first_seen_at"
            case verifiedAt = "verified_at"
            case changedAt = "changed_at"
        }
    }

    var userID: String
    var isSelf: Bool
    var sendingBlocked: Bool
    var devices: [DeviceJSON]

    /// The JSON of `peer`; with `details`, fingerprints, keys and times too.
    init(_ peer: PeerTrust, me: UUID, details: Bool) {
        userID = peer.user.wire
        isSelf = peer.user == me
        sendingBlocked = peer.sendingBlocked
        devices = peer.devices.map { device in
            var json = DeviceJSON(
                deviceID: device.address.device.wire, trust: ListenOutput.name(of: device.trust),
                sendBlocked: device.sendBlocked)
            if details {
                json.fingerprint = device.fingerprint
                json.identityKey = Base64.encode(device.identityKey.bytes)
                json.firstSeenAt = Output.time(device.firstSeenAt)
                json.verifiedAt = Output.time(device.verifiedAt)
                json.changedAt = Output.time(device.changedAt)
            }
            return json
        }
    }

    enum CodingKeys: String, CodingKey {
        case devices
        case userID = "user_id"
        case isSelf = "self"
        case sendingBlocked = "sending_blocked"
    }
}
