import Foundation
import UncordConformance
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// `device_authorization`: LINKED_DEVICES.md A2 on one device-list answer. Every case's verdicts are written out by
/// hand below; the generator fails unless ``DeviceAuthorization/judge(_:of:pinned:unverifiedChanges:ownAccount:)``
/// reproduces them.
enum DeviceAuthorizationVectors {
    /// A hand-written verdict on one listed device.
    enum Verdict {
        case ok, foreign, bad, duplicate

        var state: DeviceAuthorization.State {
            switch self {
            case .ok: .authorized
            case .foreign: .refused(.foreignIdentityKey)
            case .bad: .refused(.invalidSignedPreKeySignature)
            case .duplicate: .refused(.duplicateDeviceId)
            }
        }
    }

    /// The pin a case starts from, as the vector writes it.
    struct Pin {
        var key: [UInt8]
        var trust: PinnedIdentity.Level

        /// The pin when its key is 32 bytes.
        var identity: PinnedIdentity? {
            (try? X25519.PublicKey(bytes: key)).map { PinnedIdentity(key: $0, level: trust) }
        }
    }

    static func build() throws -> VectorFileBuilder {
        var file = VectorFileBuilder(
            family: "device_authorization",
            source: "LINKED_DEVICES.md A2, with every verdict written by hand in the generator and reproduced by this "
                + "package's DeviceAuthorization; signatures are this package's XEdDSA with seeded nonces. "
                + "Vectors/check recomputes every verdict with its own A2 rules and the xeddsa package and pynacl.")
        let random = DeterministicRandom(seed: Array("device_authorization vectors".utf8))
        let user = SPKSignatureVectors.uuid(random)
        let p = X25519.PrivateKey.generate(using: random)  // the pinned account key
        let n = X25519.PrivateKey.generate(using: random)  // a new account key
        let m = X25519.PrivateKey.generate(using: random)  // a third account key

        /// A device whose signed pre-key is signed by `signer` (by default the key it names).
        func device(
            _ key: X25519.PrivateKey, id: UUID? = nil, spkID: UInt32 = 1, signer: X25519.PrivateKey? = nil
        ) throws -> DeviceKeyBundle {
            let id = id ?? SPKSignatureVectors.uuid(random)
            let spk = X25519.PrivateKey.generate(using: random).publicKey
            let signature = try XEdDSA.sign(
                SignedPreKeySignature.message(deviceID: id, keyID: spkID, signedPreKey: spk), with: signer ?? key,
                nonce: SecureBytes(copying: random.bytes(XEdDSA.nonceByteCount)))
            return DeviceKeyBundle(
                deviceID: id, identityKey: key.publicKey.bytes, signedPreKeyID: spkID, signedPreKey: spk.bytes,
                signature: signature)
        }
        /// A genuine device of `key` with one bit of its signature flipped.
        func badSignature(_ key: X25519.PrivateKey) throws -> DeviceKeyBundle {
            var bundle = try device(key)
            bundle.signature[40] ^= 0x04
            return bundle
        }
        /// A genuine device of `key` with its identity key bytes replaced.
        func naming(_ identityKey: [UInt8], signedBy key: X25519.PrivateKey) throws -> DeviceKeyBundle {
            var bundle = try device(key)
            bundle.identityKey = identityKey
            return bundle
        }

        let lowOrderZero = [UInt8](repeating: 0, count: 32)  // u = 0: Edwards (0, -1), order 2
        let lowOrderOne = [1] + [UInt8](repeating: 0, count: 31)  // u = 1: Edwards y = 0, order 4
        var pWithBit255 = p.publicKey.bytes
        pWithBit255[31] |= 0x80  // the same X25519 key (bit 255 is masked), other bytes
        // R = the identity point, S = 0: [8]S·B = [8]R + [8]h·A holds for any message when A has order 2, so a
        // cofactored verifier that skipped the key checks would accept it.
        var lax = try naming(lowOrderZero, signedBy: n)
        lax.signature = [1] + [UInt8](repeating: 0, count: 63)
        var shortKey = try device(p)
        shortKey.identityKey.removeLast()
        var shortSignature = try device(p)
        shortSignature.signature.removeLast()
        var shortPreKey = try device(p)
        shortPreKey.signedPreKey.removeLast()

        func add(
            _ comment: String, pin: Pin?, policy: TrustOnFirstUse.ChangeHandling = .warn, ownAccount: Bool = false,
            _ devices: [DeviceKeyBundle], _ verdicts: [Verdict], outcome: DeviceAuthorization.Outcome, send: Bool
        ) throws {
            let pinned = pin?.identity
            let judged = DeviceAuthorization.judge(
                devices, of: user, pinned: pinned, unverifiedChanges: policy, ownAccount: ownAccount)
            guard judged.devices.map(\.state) == verdicts.map(\.state), judged.devices.map(\.bundle) == devices,
                judged.outcome == outcome, judged.sendAllowed == send
            else { throw GeneratorError("device_authorization disagrees with the hand-written verdicts: \(comment)") }
            let pinAfter: X25519.PublicKey? =
                switch outcome {
                case .keep, .ambiguous: pinned?.key
                case .pinned(let key): key
                case .changed(let key): send ? key : pinned?.key
                }
            let repinned = if case .changed = outcome { send } else { false }
            guard judged.pinAfter == pinAfter, judged.repinned == repinned else {
                throw GeneratorError("device_authorization pin after the decision is wrong: \(comment)")
            }
            var fields = inputs(user: user, pin: pin, policy: policy, ownAccount: ownAccount, devices: devices)
            fields["expected_devices"] = .array(
                judged.devices.map { device in
                    .object([
                        "device_id": .string(device.deviceID.uuidString.lowercased()),
                        "state": .string(device.isAuthorized ? "authorized" : "refused"),
                        "reason": device.reason.map { .string($0.rawValue) } ?? .null,
                    ])
                })
            switch outcome {
            case .keep: fields["outcome"] = .string("keep")
            case .ambiguous: fields["outcome"] = .string("ambiguous")
            case .changed(let key): (fields["outcome"], fields["new_key"]) = (.string("changed"), .hex(key.bytes))
            case .pinned(let key): (fields["outcome"], fields["new_key"]) = (.string("pinned"), .hex(key.bytes))
            }
            fields["send"] = .string(send ? "allowed" : "refused")
            file.add(comment, fields)
        }
        func addInvalid(_ comment: String, pinKey: [UInt8]?, trust: PinnedIdentity.Level?, ownAccount: Bool = false)
            throws
        {
            var fields = inputs(
                user: user, pin: nil, policy: .warn, ownAccount: ownAccount, devices: [try device(p), try device(n)])
            fields["pinned_key"] = pinKey.map { .hex($0) } ?? .null
            fields["trust"] = trust.map { .string($0.rawValue) } ?? .null
            file.add(comment, valid: false, fields)
        }

        let unverified = Pin(key: p.publicKey.bytes, trust: .unverified)
        let verified = Pin(key: p.publicKey.bytes, trust: .verified)
        let changed = Pin(key: p.publicKey.bytes, trust: .changed)
        let newKey = n.publicKey

        // Rule 1: at least one device is authorized.
        try add("rule 1: the one device holds the pin", pin: unverified, [device(p)], [.ok], outcome: .keep, send: true)
        try add(
            "rule 1: two devices of the pin are authorized; a device of another key, one with a bad signature and one "
                + "naming the pin with a signature by another key are refused",
            pin: unverified,
            [device(p), device(n), badSignature(p), device(p), naming(p.publicKey.bytes, signedBy: n)],
            [.ok, .foreign, .bad, .ok, .bad], outcome: .keep, send: true)
        let original = try device(p)
        var copied = original
        copied.deviceID = SPKSignatureVectors.uuid(random)
        try add(
            "rule 1: a device naming the pin whose signed pre-key and signature were copied from another device (the "
                + "signature binds the device id)",
            pin: unverified, [original, copied], [.ok, .bad], outcome: .keep, send: true)
        try add(
            "rule 1 before rule 3: the pin authorizes a device, so devices of two other keys are only refused",
            pin: unverified, [device(n), device(m), device(p)], [.foreign, .foreign, .ok], outcome: .keep, send: true)
        try add(
            "rule 1, verified pin, block policy: another key's device is refused and nothing else changes",
            pin: verified, policy: .block, [device(p), device(n)], [.ok, .foreign], outcome: .keep, send: true)
        try add(
            "rule 1: malformed devices are refused: a 31-byte identity key, a low-order identity key (u = 0), the pin "
                + "with bit 255 set (the same X25519 key, other bytes; signed by the pin), a 63-byte signature, a "
                + "31-byte signed pre-key",
            pin: changed,
            [
                device(p), shortKey, naming(lowOrderZero, signedBy: p), naming(pWithBit255, signedBy: p),
                shortSignature, shortPreKey,
            ],
            [.ok, .bad, .bad, .bad, .bad, .bad], outcome: .keep, send: true)
        try add(
            "rule 1: signed pre-key ids 0 and 2^31 are outside 1...2^31-1 (each signature is genuine over the bytes "
                + "it names)",
            pin: unverified,
            [device(p, spkID: 0), device(p), device(p, spkID: 0x8000_0000), device(p, spkID: 0x7fff_ffff)],
            [.bad, .ok, .bad, .ok], outcome: .keep, send: true)

        // Rule 2: no device is authorized and the verifying devices carry one other key N.
        try add(
            "rule 2, unverified, warn: every device carries N: re-pinned to N as changed, its devices authorized",
            pin: unverified, [device(n), device(n)], [.ok, .ok], outcome: .changed(newKey), send: true)
        try add(
            "rule 2, unverified, warn: devices of N are authorized; a device of the old pin with a bad signature and "
                + "one of N with a bad signature are refused (judged against N)",
            pin: unverified, [device(n), badSignature(p), device(n), badSignature(n)], [.ok, .bad, .ok, .bad],
            outcome: .changed(newKey), send: true)
        try add(
            "rule 2, changed, warn: re-pinned to N", pin: changed, [device(n)], [.ok], outcome: .changed(newKey),
            send: true)
        try add(
            "rule 2: a device naming the pin with a signature by N verifies under no key it names; the device of N is "
                + "a change",
            pin: unverified, [naming(p.publicKey.bytes, signedBy: n), device(n)], [.bad, .ok],
            outcome: .changed(newKey), send: true)
        try add(
            "rule 2, verified, warn: N is pending, the pin stays, no device is authorized, sending is refused",
            pin: verified, [device(n), device(n)], [.foreign, .foreign], outcome: .changed(newKey), send: false)
        try add(
            "rule 2, unverified, block: N is pending, sending is refused; the old pin's device with a bad signature is "
                + "judged against the pin that stays",
            pin: unverified, policy: .block, [device(n), badSignature(p)], [.foreign, .bad], outcome: .changed(newKey),
            send: false)
        try add(
            "rule 2, changed, block: N is pending, sending is refused", pin: changed, policy: .block, [device(n)],
            [.foreign], outcome: .changed(newKey), send: false)
        try add(
            "rule 2, verified, block: N is pending, sending is refused", pin: verified, policy: .block, [device(n)],
            [.foreign], outcome: .changed(newKey), send: false)
        let twice = SPKSignatureVectors.uuid(random)
        try add(
            "rule 2: the only devices of the pin share one device id, so they count for nothing; N is a change",
            pin: unverified, [device(p, id: twice), device(n), device(p, id: twice)], [.duplicate, .ok, .duplicate],
            outcome: .changed(newKey), send: true)
        try add(
            "rule 2: a low-order pinned key (u = 0) verifies nothing, so the devices of N are a change",
            pin: Pin(key: lowOrderZero, trust: .unverified), [device(n)], [.ok], outcome: .changed(newKey), send: true)

        // Rule 3: several other keys.
        try add(
            "rule 3: devices of two other keys: ambiguous, nothing re-pinned, nobody wrapped for",
            pin: unverified, [device(n), device(m)], [.foreign, .foreign], outcome: .ambiguous, send: false)
        try add(
            "rule 3, verified, block: reasons are judged against no pin; the old pin's device with a bad signature is "
                + "refused for it",
            pin: verified, policy: .block, [device(n), badSignature(p), device(m), device(n)],
            [.foreign, .bad, .foreign, .foreign], outcome: .ambiguous, send: false)

        // Rule 4: no device verifies under any key.
        try add(
            "rule 4: no device verifies (bad signatures, a low-order key u = 1): the pin stays, sending is refused",
            pin: unverified, [badSignature(p), badSignature(n), naming(lowOrderOne, signedBy: n)], [.bad, .bad, .bad],
            outcome: .keep, send: false)
        try add("rule 4: an empty device list", pin: unverified, [], [], outcome: .keep, send: false)
        let first = SPKSignatureVectors.uuid(random)
        let second = SPKSignatureVectors.uuid(random)
        try add(
            "rule 4: every device id is listed twice, so nothing counts",
            pin: verified, [device(p, id: first), device(n, id: second), device(p, id: first), device(n, id: second)],
            [.duplicate, .duplicate, .duplicate, .duplicate], outcome: .keep, send: false)

        // First contact.
        try add(
            "first contact: every device carries one key: pinned unverified, its devices authorized",
            pin: nil, [device(n), device(n)], [.ok, .ok], outcome: .pinned(newKey), send: true)
        try add(
            "first contact, block policy (it does not apply to a first pin): a bad signature, a low-order key (u = 0) "
                + "with a signature a cofactored verifier skipping the key checks would accept, and a 31-byte key "
                + "are refused",
            pin: nil, policy: .block,
            [device(n), badSignature(n), lax, naming(Array(newKey.bytes.dropLast()), signedBy: n)],
            [.ok, .bad, .bad, .bad], outcome: .pinned(newKey), send: true)
        try add(
            "first contact: two keys: ambiguous, nothing pinned", pin: nil, [device(n), device(m), device(n)],
            [.foreign, .foreign, .foreign], outcome: .ambiguous, send: false)
        let mTwice = SPKSignatureVectors.uuid(random)
        try add(
            "first contact: the only device id of a second key is listed twice, so it counts for nothing: one key",
            pin: nil, [device(m, id: mTwice), device(n), device(m, id: mTwice)], [.duplicate, .ok, .duplicate],
            outcome: .pinned(newKey), send: true)
        try add(
            "first contact: no device verifies", pin: nil, [badSignature(n)], [.bad], outcome: .keep, send: false)
        try add("first contact: an empty device list", pin: nil, [], [], outcome: .keep, send: false)

        // Our own account: rule 1 only, never re-pinned, sending always allowed.
        try add(
            "own account: every device holds our key", pin: verified, ownAccount: true, [device(p), device(p)],
            [.ok, .ok], outcome: .keep, send: true)
        try add(
            "own account: a device of another key is refused", pin: verified, ownAccount: true,
            [device(p), device(n)], [.ok, .foreign], outcome: .keep, send: true)
        try add(
            "own account: every other device carries N: never re-pinned, all refused, sending still allowed",
            pin: verified, ownAccount: true, [device(n), device(n)], [.foreign, .foreign], outcome: .keep, send: true)
        try add(
            "own account: devices of two other keys and one of ours with a bad signature: keep, not ambiguous",
            pin: unverified, policy: .block, ownAccount: true, [device(n), device(m), badSignature(p)],
            [.foreign, .foreign, .bad], outcome: .keep, send: true)
        try add(
            "own account: a duplicated device id is refused", pin: verified, ownAccount: true,
            [device(p, id: twice), device(p, id: twice), device(p)], [.duplicate, .duplicate, .ok], outcome: .keep,
            send: true)
        try add(
            "own account: an empty device list (no other device of ours)", pin: verified, ownAccount: true, [], [],
            outcome: .keep, send: true)

        // Inputs that are not a pin.
        try addInvalid(
            "pinned_key of 31 bytes", pinKey: Array(p.publicKey.bytes.dropLast()), trust: .unverified)
        try addInvalid("pinned_key without a trust level", pinKey: p.publicKey.bytes, trust: nil)
        try addInvalid("a trust level without a pinned_key", pinKey: nil, trust: .verified)
        try addInvalid("own_account without our own key in pinned_key", pinKey: nil, trust: nil, ownAccount: true)
        return file
    }

    /// A case's input fields.
    private static func inputs(
        user: UUID, pin: Pin?, policy: TrustOnFirstUse.ChangeHandling, ownAccount: Bool, devices: [DeviceKeyBundle]
    ) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "user_id": .string(user.uuidString.lowercased()),
            "pinned_key": pin.map { .hex($0.key) } ?? .null,
            "trust": pin.map { .string($0.trust.rawValue) } ?? .null,
            "policy": .string(policy == .warn ? "warn" : "block"),
            "devices": .array(
                devices.map { device in
                    .object([
                        "device_id": .string(device.deviceID.uuidString.lowercased()),
                        "identity_key": .hex(device.identityKey), "spk_id": .integer(Int64(device.signedPreKeyID)),
                        "spk_public": .hex(device.signedPreKey), "signature": .hex(device.signature),
                    ])
                }),
        ]
        if ownAccount { fields["own_account"] = .bool(true) }
        return fields
    }
}
