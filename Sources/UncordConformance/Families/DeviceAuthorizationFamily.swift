import Foundation
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// `device_authorization`: one device-list answer judged by LINKED_DEVICES.md A2 — `user_id`, `pinned_key` (or
/// null), `trust`, `policy`, `own_account` (optional), `devices` → `expected_devices` (per device, in input order),
/// `outcome`, `new_key` (for `changed` and `pinned`), `send`. A case is `invalid` when its pin is not one: a
/// `pinned_key` that is not 32 bytes, a key without a trust level or a level without a key, or `own_account`
/// without our own key.
enum DeviceAuthorizationFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let user = try vector.uuid("user_id")
        let pinnedKey = try vector.optionalHex("pinned_key")
        let level = try vector.optionalString("trust").map { (text) throws(VectorFailure) in try trustLevel(text) }
        let policy = try changeHandling(vector.string("policy"))
        let ownAccount = try flag(vector, "own_account")
        let devices = try deviceList(vector)

        let judged = try vector.outcome { () throws -> DeviceAuthorization in
            let pinned = try pin(key: pinnedKey, level: level, ownAccount: ownAccount)
            return DeviceAuthorization.judge(
                devices, of: user, pinned: pinned, unverifiedChanges: policy, ownAccount: ownAccount)
        }
        guard let judged else { return }
        try expectDevices(vector, judged.devices)
        let (outcome, newKey): (String, X25519.PublicKey?) =
            switch judged.outcome {
            case .keep: ("keep", nil)
            case .ambiguous: ("ambiguous", nil)
            case .changed(let key): ("changed", key)
            case .pinned(let key): ("pinned", key)
            }
        try expect(vector, "outcome", outcome)
        if let newKey {
            try vector.expect("new_key", equals: newKey.bytes)
        } else if vector.has("new_key") {
            throw VectorFailure("new_key is given for outcome \(outcome)")
        }
        try expect(vector, "send", judged.sendAllowed ? "allowed" : "refused")
    }

    /// Why a case's pin is refused: what makes an `invalid` case fail.
    private struct NotAPin: Error, CustomStringConvertible {
        let description: String
    }

    private static func pin(key: [UInt8]?, level: PinnedIdentity.Level?, ownAccount: Bool) throws -> PinnedIdentity? {
        switch (key, level) {
        case (nil, nil):
            if ownAccount { throw NotAPin(description: "own_account without pinned_key") }
            return nil
        case (let key?, let level?): return PinnedIdentity(key: try X25519.PublicKey(bytes: key), level: level)
        case (_?, nil): throw NotAPin(description: "pinned_key without a trust level")
        case (nil, _?): throw NotAPin(description: "a trust level without pinned_key")
        }
    }

    private static func deviceList(_ vector: VectorCase) throws(VectorFailure) -> [DeviceKeyBundle] {
        guard case .array(let items) = vector.fields["devices"] else { throw VectorFailure("devices must be a list") }
        var devices: [DeviceKeyBundle] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else { throw VectorFailure("devices[\(index)] is not an object") }
            let device = VectorCase(fields: fields)
            let keyID = try device.integer("spk_id")
            guard let spkID = UInt32(exactly: keyID) else {
                throw VectorFailure("devices[\(index)].spk_id \(keyID) does not fit 32 bits")
            }
            devices.append(
                DeviceKeyBundle(
                    deviceID: try device.uuid("device_id"), identityKey: try device.hex("identity_key"),
                    signedPreKeyID: spkID, signedPreKey: try device.hex("spk_public"),
                    signature: try device.hex("signature")))
        }
        return devices
    }

    private static func expectDevices(
        _ vector: VectorCase, _ judged: [DeviceAuthorization.JudgedDevice]
    ) throws(VectorFailure) {
        guard case .array(let items) = vector.fields["expected_devices"] else {
            throw VectorFailure("expected_devices must be a list")
        }
        guard items.count == judged.count else {
            throw VectorFailure("expected_devices has \(items.count) entries for \(judged.count) devices")
        }
        for (index, (item, device)) in zip(items, judged).enumerated() {
            guard case .object(let fields) = item else {
                throw VectorFailure("expected_devices[\(index)] is not an object")
            }
            let expected = VectorCase(fields: fields)
            guard try expected.uuid("device_id") == device.deviceID else {
                throw VectorFailure("expected_devices[\(index)].device_id is not devices[\(index)]'s")
            }
            let state = device.isAuthorized ? "authorized" : "refused"
            let wanted = (try expected.string("state"), try expected.optionalString("reason"))
            guard wanted.0 == state, wanted.1 == device.reason?.rawValue else {
                throw VectorFailure(
                    "device \(index): expected \(wanted.0) (\(wanted.1 ?? "no reason")), got \(state) "
                        + "(\(device.reason?.rawValue ?? "no reason"))")
            }
        }
    }

    private static func expect(_ vector: VectorCase, _ key: String, _ actual: String) throws(VectorFailure) {
        let expected = try vector.string(key)
        guard expected == actual else { throw VectorFailure("\(key): expected \(expected), got \(actual)") }
    }

    private static func flag(_ vector: VectorCase, _ key: String) throws(VectorFailure) -> Bool {
        switch vector.fields[key] {
        case nil, .null: return false
        case .bool(let value): return value
        default: throw VectorFailure("field \(key) must be true or false")
        }
    }

    private static func trustLevel(_ text: String) throws(VectorFailure) -> PinnedIdentity.Level {
        guard let level = PinnedIdentity.Level(rawValue: text) else {
            throw VectorFailure("trust must be unverified, verified, changed or null")
        }
        return level
    }

    private static func changeHandling(_ text: String) throws(VectorFailure) -> TrustOnFirstUse.ChangeHandling {
        switch text {
        case "warn": .warn
        case "block": .block
        default: throw VectorFailure("policy must be warn or block")
        }
    }
}
