import Foundation
import Testing
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// LINKED_DEVICES.md A2: which of a user's listed devices are wrapped for, and what a device list does to the pin
/// and to sending. `Vectors/device_authorization.json` holds the same rules as byte-exact cases.
@Suite("Device authorization")
struct DeviceAuthorizationTests {
    typealias State = DeviceAuthorization.State

    let random = DeterministicRandom(seed: Array("device authorization tests".utf8))
    let user = UUID()
    /// The pinned account key, a new one, and a third.
    let p: X25519.PrivateKey
    let n: X25519.PrivateKey
    let m: X25519.PrivateKey

    init() {
        p = .generate(using: random)
        n = .generate(using: random)
        m = .generate(using: random)
    }

    // MARK: helpers

    /// A device naming `key`, its signed pre-key signed by `signer` (by default the same key).
    func device(
        _ key: X25519.PrivateKey, id: UUID = UUID(), keyID: UInt32 = 1, signer: X25519.PrivateKey? = nil
    ) throws -> DeviceKeyBundle {
        let spk = X25519.PrivateKey.generate(using: random).publicKey
        let signature = try XEdDSA.sign(
            SignedPreKeySignature.message(deviceID: id, keyID: keyID, signedPreKey: spk), with: signer ?? key,
            using: random)
        return DeviceKeyBundle(
            deviceID: id, identityKey: key.publicKey.bytes, signedPreKeyID: keyID, signedPreKey: spk.bytes,
            signature: signature)
    }

    /// A device of `key` whose signature has one bit flipped.
    func badSignature(_ key: X25519.PrivateKey) throws -> DeviceKeyBundle {
        var bundle = try device(key)
        bundle.signature[7] ^= 0x20
        return bundle
    }

    func pin(_ key: X25519.PrivateKey, _ level: PinnedIdentity.Level = .unverified) -> PinnedIdentity {
        PinnedIdentity(key: key.publicKey, level: level)
    }

    func judge(
        _ devices: [DeviceKeyBundle], pinned: PinnedIdentity?, policy: TrustOnFirstUse.ChangeHandling = .warn,
        ownAccount: Bool = false
    ) -> DeviceAuthorization {
        DeviceAuthorization.judge(devices, of: user, pinned: pinned, unverifiedChanges: policy, ownAccount: ownAccount)
    }

    static let foreign = State.refused(.foreignIdentityKey)
    static let invalid = State.refused(.invalidSignedPreKeySignature)
    static let duplicate = State.refused(.duplicateDeviceId)

    // MARK: rule 1

    @Test("Rule 1: devices holding the pin are authorized; others are refused and nothing else changes")
    func ruleOne() throws {
        let devices = [
            try device(p), try device(n), try badSignature(p), try device(p, signer: n), try device(p),
        ]
        let judged = judge(devices, pinned: pin(p, .verified), policy: .block)
        #expect(judged.devices.map(\.state) == [.authorized, Self.foreign, Self.invalid, Self.invalid, .authorized])
        #expect(judged.devices.map(\.bundle) == devices)
        #expect(judged.outcome == .keep)
        #expect(judged.sendAllowed)
        #expect(judged.pinAfter == p.publicKey)
        #expect(!judged.repinned && judged.newPin == nil && judged.pendingKey == nil)
        #expect(judged.authorizedDevices == [devices[0], devices[4]])
        #expect(
            judged.refusedDevices.map(\.reason) == [
                .foreignIdentityKey, .invalidSignedPreKeySignature,
                .invalidSignedPreKeySignature,
            ])
    }

    @Test("Rule 1 comes before rule 3: one authorized device keeps the pin whatever other keys are listed")
    func ruleOneBeforeAmbiguity() throws {
        let judged = judge([try device(n), try device(m), try device(p)], pinned: pin(p))
        #expect(judged.outcome == .keep)
        #expect(judged.devices.map(\.state) == [Self.foreign, Self.foreign, .authorized])
        #expect(judged.sendAllowed)
    }

    @Test("A copied signed pre-key under another device id, a key id out of range and a bad signature are refused")
    func signatureBindsTheDevice() throws {
        let original = try device(p)
        var copied = original
        copied.deviceID = UUID()
        let devices = [
            original, copied, try device(p, keyID: 0), try device(p, keyID: 0x8000_0000), try badSignature(p),
        ]
        let judged = judge(devices, pinned: pin(p))
        #expect(judged.devices.map(\.state) == [.authorized, Self.invalid, Self.invalid, Self.invalid, Self.invalid])
        #expect(judged.outcome == .keep && judged.sendAllowed)
    }

    @Test("Malformed and low-order identity keys verify nothing")
    func malformedKeys() throws {
        var short = try device(p)
        short.identityKey.removeLast()
        var lowOrder = try device(n)
        lowOrder.identityKey = [UInt8](repeating: 0, count: 32)
        var orderFour = try device(n)
        orderFour.identityKey = [1] + [UInt8](repeating: 0, count: 31)
        var topBit = try device(p)
        topBit.identityKey[31] |= 0x80  // the same X25519 key as the pin, other bytes
        var shortSignature = try device(p)
        shortSignature.signature.removeLast()
        var shortPreKey = try device(p)
        shortPreKey.signedPreKey.removeLast()

        let devices = [try device(p), short, lowOrder, orderFour, topBit, shortSignature, shortPreKey]
        let judged = judge(devices, pinned: pin(p))
        #expect(judged.devices.map(\.state) == [.authorized] + Array(repeating: Self.invalid, count: 6))
        #expect(judged.devices[1].identityKey == nil)
        #expect(judged.devices[2].identityKey?.bytes == [UInt8](repeating: 0, count: 32))

        // Alone, they make rule 4: nothing verifies, the pin stays, sending is refused.
        let alone = judge(Array(devices.dropFirst()), pinned: pin(p))
        #expect(alone.outcome == .keep && !alone.sendAllowed && alone.pinAfter == p.publicKey)
        #expect(alone.authorizedDevices.isEmpty)
    }

    // MARK: rule 2

    @Test(
        "Rule 2: one other key is a change; re-pinned only for an unverified user under the warn policy",
        arguments: [PinnedIdentity.Level.unverified, .changed, .verified],
        [TrustOnFirstUse.ChangeHandling.warn, .block])
    func ruleTwo(level: PinnedIdentity.Level, policy: TrustOnFirstUse.ChangeHandling) throws {
        let devices = [try device(n), try badSignature(p), try device(n), try badSignature(n)]
        let judged = judge(devices, pinned: pin(p, level), policy: policy)
        let repins = level != .verified && policy == .warn
        #expect(judged.outcome == .changed(n.publicKey))
        #expect(judged.repinned == repins)
        #expect(judged.sendAllowed == repins)
        if repins {
            #expect(judged.devices.map(\.state) == [.authorized, Self.invalid, .authorized, Self.invalid])
            #expect(judged.pinAfter == n.publicKey)
            #expect(judged.newPin == PinnedIdentity(key: n.publicKey, level: .changed))
            #expect(judged.pendingKey == nil)
            #expect(judged.authorizedDevices == [devices[0], devices[2]])
        } else {
            // N is pending; the pin stays P and no device of the user is authorized.
            #expect(judged.devices.map(\.state) == [Self.foreign, Self.invalid, Self.foreign, Self.invalid])
            #expect(judged.pinAfter == p.publicKey)
            #expect(judged.newPin == nil)
            #expect(judged.pendingKey == n.publicKey)
            #expect(judged.authorizedDevices.isEmpty)
        }
    }

    @Test("Rule 2: a device naming the pin with a signature by another key does not hold the pin")
    func claimedPin() throws {
        let judged = judge([try device(p, signer: n), try device(n)], pinned: pin(p))
        #expect(judged.devices.map(\.state) == [Self.invalid, .authorized])
        #expect(judged.outcome == .changed(n.publicKey) && judged.sendAllowed)
    }

    @Test("Rule 2: a low-order pinned key authorizes nothing")
    func lowOrderPin() throws {
        let lowOrder = try X25519.PublicKey(bytes: [UInt8](repeating: 0, count: 32))
        let judged = judge([try device(n)], pinned: PinnedIdentity(key: lowOrder, level: .unverified))
        #expect(judged.outcome == .changed(n.publicKey))
        #expect(judged.devices.map(\.state) == [.authorized])
    }

    // MARK: rule 3

    @Test(
        "Rule 3: several other keys are ambiguous: nothing re-pinned, nobody wrapped for, reasons against no pin",
        arguments: [PinnedIdentity.Level.unverified, .verified])
    func ruleThree(level: PinnedIdentity.Level) throws {
        let judged = judge([try device(n), try badSignature(p), try device(m), try device(n)], pinned: pin(p, level))
        #expect(judged.outcome == .ambiguous)
        #expect(judged.devices.map(\.state) == [Self.foreign, Self.invalid, Self.foreign, Self.foreign])
        #expect(!judged.sendAllowed && !judged.repinned)
        #expect(judged.pinAfter == p.publicKey)
        #expect(judged.newPin == nil && judged.pendingKey == nil)
    }

    // MARK: rule 4

    @Test("Rule 4: when nothing verifies, or nothing is listed, the pin stays and sending is refused")
    func ruleFour() throws {
        for devices in [[try badSignature(p), try badSignature(n)], []] {
            let judged = judge(devices, pinned: pin(p, .verified))
            #expect(judged.outcome == .keep)
            #expect(!judged.sendAllowed)
            #expect(judged.pinAfter == p.publicKey)
            #expect(judged.devices.allSatisfy { $0.state == Self.invalid })
        }
    }

    // MARK: first contact

    @Test("First contact: one key is pinned unverified, whatever the policy; its devices are authorized")
    func firstContact() throws {
        for policy in [TrustOnFirstUse.ChangeHandling.warn, .block] {
            let devices = [try device(n), try badSignature(n), try device(n), try device(p, signer: n)]
            let judged = judge(devices, pinned: nil, policy: policy)
            #expect(judged.outcome == .pinned(n.publicKey))
            #expect(judged.devices.map(\.state) == [.authorized, Self.invalid, .authorized, Self.invalid])
            #expect(judged.sendAllowed && !judged.repinned)
            #expect(judged.pinAfter == n.publicKey)
            #expect(judged.newPin == PinnedIdentity(key: n.publicKey, level: .unverified))
        }
    }

    @Test("First contact: several keys are ambiguous; none, or no device, pins nothing")
    func firstContactWithoutOneKey() throws {
        let ambiguous = judge([try device(n), try device(m)], pinned: nil)
        #expect(ambiguous.outcome == .ambiguous && !ambiguous.sendAllowed && ambiguous.pinAfter == nil)
        #expect(ambiguous.devices.map(\.state) == [Self.foreign, Self.foreign])

        for devices in [[try badSignature(n)], []] {
            let none = judge(devices, pinned: nil)
            #expect(none.outcome == .keep && !none.sendAllowed && none.pinAfter == nil && none.newPin == nil)
            #expect(none.devices.allSatisfy { $0.state == Self.invalid })
        }
    }

    // MARK: duplicates

    @Test("Every entry of a device id listed twice is refused and counts for nothing else")
    func duplicates() throws {
        let twice = UUID()
        // The only devices of the pin share an id: without them the list is a change to N.
        let change = judge([try device(p, id: twice), try device(n), try device(p, id: twice)], pinned: pin(p))
        #expect(change.devices.map(\.state) == [Self.duplicate, .authorized, Self.duplicate])
        #expect(change.outcome == .changed(n.publicKey))

        // A duplicated second key does not make first contact ambiguous.
        let first = judge([try device(m, id: twice), try device(n), try device(m, id: twice)], pinned: nil)
        #expect(first.outcome == .pinned(n.publicKey))
        #expect(first.devices.map(\.state) == [Self.duplicate, .authorized, Self.duplicate])

        // Only duplicates: rule 4.
        let only = judge([try device(p, id: twice), try device(p, id: twice)], pinned: pin(p))
        #expect(only.outcome == .keep && !only.sendAllowed)
        #expect(only.devices.map(\.state) == [Self.duplicate, Self.duplicate])
    }

    // MARK: own account

    @Test("Our own account: only rule 1, never re-pinned, sending always allowed")
    func ownAccount() throws {
        let mixed = judge(
            [try device(p), try device(n), try badSignature(p)], pinned: pin(p, .verified), ownAccount: true)
        #expect(mixed.devices.map(\.state) == [.authorized, Self.foreign, Self.invalid])
        #expect(mixed.outcome == .keep && mixed.sendAllowed)

        // Every other device carries N: for a peer this would be a change; for us it is never one.
        let other = judge([try device(n), try device(n)], pinned: pin(p, .unverified), ownAccount: true)
        #expect(other.outcome == .keep)
        #expect(other.devices.map(\.state) == [Self.foreign, Self.foreign])
        #expect(other.sendAllowed && !other.repinned && other.pinAfter == p.publicKey && other.newPin == nil)

        // Two other keys: still keep, not ambiguous.
        let two = judge([try device(n), try device(m)], pinned: pin(p), policy: .block, ownAccount: true)
        #expect(two.outcome == .keep && two.sendAllowed)

        // No other device of ours.
        let empty = judge([], pinned: pin(p), ownAccount: true)
        #expect(empty.outcome == .keep && empty.sendAllowed && empty.devices.isEmpty)
    }

    @Test("Judging is deterministic and depends on no order but the input's")
    func inputOrder() throws {
        let devices = [try device(n), try device(p), try badSignature(m), try device(m)]
        let forward = judge(devices, pinned: pin(p))
        let backward = judge(devices.reversed(), pinned: pin(p))
        #expect(forward == judge(devices, pinned: pin(p)))
        #expect(backward.devices.map(\.state) == forward.devices.map(\.state).reversed())
        #expect(backward.outcome == forward.outcome)
    }
}
