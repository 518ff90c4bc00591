public import Foundation
public import UncordCrypto
public import UncordProtocol

/// Which of a user's listed devices are wrapped for (LINKED_DEVICES.md A2): one device-list answer judged against
/// the user's pinned account key, with the decision on the pin and on sending that follows from it.
///
/// A device is **authorized** when its identity key is the pin in force after the decision and its signed
/// pre-key signature verifies under that key for its own device id. Only authorized devices get wraps.
///
/// ```swift
/// let judged = DeviceAuthorization.judge(
///     fetched.devices, of: peer, pinned: store.pin(for: peer), unverifiedChanges: .warn)
/// guard judged.sendAllowed else { throw … }   // identityChanged, ambiguousIdentity or noBundle, by `outcome`
/// let recipients = judged.authorizedDevices
/// ```
public struct DeviceAuthorization: Sendable, Equatable {
    /// Why a listed device is not wrapped for.
    public enum Reason: String, Sendable, Hashable {
        /// Its signature verifies under its own identity key, but that key is not the user's pin.
        case foreignIdentityKey
        /// Its signed pre-key signature does not verify under its identity key (or a key is malformed).
        case invalidSignedPreKeySignature
        /// The list holds its device id more than once.
        case duplicateDeviceId
    }

    /// The verdict on one listed device.
    public enum State: Sendable, Hashable {
        /// It is wrapped for.
        case authorized
        /// It is never wrapped for, for this reason.
        case refused(Reason)
    }

    /// What the list does to the user's pin.
    public enum Outcome: Sendable, Hashable {
        /// The pin (or the absence of one) stays as it was.
        case keep
        /// The account key changed to this key (rule 2). Whether it is re-pinned now is ``repinned``.
        case changed(X25519.PublicKey)
        /// The devices carry several keys other than the pin: nothing is pinned or re-pinned (rule 3).
        case ambiguous
        /// First contact: this key is pinned `unverified` (trust on first use).
        case pinned(X25519.PublicKey)
    }

    /// One listed device and its verdict.
    public struct JudgedDevice: Sendable, Equatable {
        /// The device as the server listed it.
        public var bundle: DeviceKeyBundle
        /// Its verdict.
        public var state: State

        /// A judged device from its bundle and verdict.
        public init(bundle: DeviceKeyBundle, state: State) {
            self.bundle = bundle
            self.state = state
        }

        /// The device's id.
        public var deviceID: UUID { bundle.deviceID }

        /// The device's identity key when it is 32 bytes, else nil.
        public var identityKey: X25519.PublicKey? { try? X25519.PublicKey(bytes: bundle.identityKey) }

        /// Whether it is wrapped for.
        public var isAuthorized: Bool { state == .authorized }

        /// Why it is refused; nil when it is authorized.
        public var reason: Reason? {
            guard case .refused(let reason) = state else { return nil }
            return reason
        }
    }

    /// Every listed device with its verdict, in input order, one per input entry.
    public var devices: [JudgedDevice]
    /// What the list does to the pin.
    public var outcome: Outcome
    /// Whether a message may be sent to the user now.
    public var sendAllowed: Bool
    /// The pin in force after the decision (nil when none): P for keep and for a blocked change, N for pinned and a
    /// re-pinning change.
    public var pinAfter: X25519.PublicKey?
    /// For `.changed`: true when the key is re-pinned now (warn policy, user not verified); false when N is only
    /// pending and sending is blocked.
    public var repinned: Bool

    /// The devices that get wraps, in input order.
    public var authorizedDevices: [DeviceKeyBundle] { devices.filter(\.isAuthorized).map(\.bundle) }

    /// The devices that never get wraps, in input order (each one's ``JudgedDevice/reason`` says why).
    public var refusedDevices: [JudgedDevice] { devices.filter { !$0.isAuthorized } }

    /// The key held as pending while a blocked change waits to be accepted: N of a `.changed(N)` that did not
    /// re-pin; nil otherwise.
    public var pendingKey: X25519.PublicKey? {
        guard case .changed(let key) = outcome, !repinned else { return nil }
        return key
    }

    /// The pin to store after the decision when it is a new one: N as `unverified` for `.pinned(N)`, N as `changed`
    /// for a re-pinning `.changed(N)`; nil when the pin stays as it was.
    public var newPin: PinnedIdentity? {
        switch outcome {
        case .pinned(let key): PinnedIdentity(key: key, level: .unverified)
        case .changed(let key) where repinned: PinnedIdentity(key: key, level: .changed)
        case .keep, .ambiguous, .changed: nil
        }
    }

    /// A decision from its parts, as ``judge(_:of:pinned:unverifiedChanges:ownAccount:)`` makes it.
    public init(
        devices: [JudgedDevice], outcome: Outcome, sendAllowed: Bool, pinAfter: X25519.PublicKey?, repinned: Bool
    ) {
        self.devices = devices
        self.outcome = outcome
        self.sendAllowed = sendAllowed
        self.pinAfter = pinAfter
        self.repinned = repinned
    }

    /// Judges one device-list answer for `user` against its pin (LINKED_DEVICES.md A2).
    ///
    /// - Parameters:
    ///   - devices: the list as the server gave it (`GET /users/{id}/keys`), in its order.
    ///   - user: the user the list belongs to; only its devices' ids enter the signatures, so it labels the call.
    ///   - pinned: the user's pinned account key, or nil at first contact. With `ownAccount`, our own account key.
    ///   - unverifiedChanges: the trust policy for a changed key of a user who is not `verified`.
    ///   - ownAccount: `pinned` is our own account key: it is never re-pinned, only rule 1 applies, the outcome is
    ///     always ``Outcome/keep`` and sending is always allowed (a refused own device only loses its wraps).
    /// - Returns: every device's verdict, the outcome for the pin, and whether sending is allowed.
    public static func judge(
        _ devices: [DeviceKeyBundle], of user: UUID, pinned: PinnedIdentity?,
        unverifiedChanges: TrustOnFirstUse.ChangeHandling, ownAccount: Bool = false
    ) -> DeviceAuthorization {
        var counts: [UUID: Int] = [:]
        for device in devices { counts[device.deviceID, default: 0] += 1 }
        // nil for an entry whose device id is listed more than once: it counts for nothing.
        let listed = devices.map { counts[$0.deviceID] == 1 ? ListedDevice($0) : nil }

        let pinKey = pinned?.key
        let pinAuthorizes = pinKey.map { pin in listed.contains { $0?.verifies(as: pin) == true } } ?? false
        // The distinct keys other than the pin under which some counted device verifies, in first-seen order.
        var otherKeys: [X25519.PublicKey] = []
        for case let device? in listed {
            if let key = device.verifiedKey, key != pinKey, !otherKeys.contains(key) { otherKeys.append(key) }
        }

        let decision: (outcome: Outcome, pinAfter: X25519.PublicKey?, authorizedKey: X25519.PublicKey?, send: Bool)
        if ownAccount {
            decision = (.keep, pinKey, pinKey, true)  // our own account key is never re-pinned: rule 1 only
        } else if let pinned, pinAuthorizes {
            decision = (.keep, pinned.key, pinned.key, true)  // rule 1
        } else if otherKeys.count > 1 {
            decision = (.ambiguous, pinKey, nil, false)  // rule 3, or several keys at first contact
        } else if let newKey = otherKeys.first {
            if let pinned {
                // rule 2: a verified user or the block policy holds N as pending and refuses sending.
                let blocked = pinned.level == .verified || unverifiedChanges == .block
                decision =
                    blocked ? (.changed(newKey), pinned.key, nil, false) : (.changed(newKey), newKey, newKey, true)
            } else {
                decision = (.pinned(newKey), newKey, newKey, true)  // first contact, one key
            }
        } else {
            decision = (.keep, pinKey, nil, false)  // rule 4, an empty list, or nothing verifies at first contact
        }

        // Reasons are judged against the pin in force after the decision; for `ambiguous`, against none.
        let reasonPin = decision.outcome == .ambiguous ? nil : decision.pinAfter
        let judged = zip(devices, listed).map { bundle, device -> JudgedDevice in
            let state: State
            if let device {
                if let key = decision.authorizedKey, device.verifies(as: key) {
                    state = .authorized
                } else if let own = device.verifiedKey, own != reasonPin {
                    state = .refused(.foreignIdentityKey)
                } else {
                    state = .refused(.invalidSignedPreKeySignature)
                }
            } else {
                state = .refused(.duplicateDeviceId)
            }
            return JudgedDevice(bundle: bundle, state: state)
        }
        let repinned = if case .changed = decision.outcome { decision.send } else { false }
        return DeviceAuthorization(
            devices: judged, outcome: decision.outcome, sendAllowed: decision.send,
            pinAfter: decision.pinAfter, repinned: repinned)
    }
}

/// One listed device with its signature checked once, under its own identity key.
private struct ListedDevice {
    /// The device's identity key when its signed pre-key signature verifies under it for this device id; nil when
    /// a key is malformed, the key id is out of range, or the signature does not verify.
    let verifiedKey: X25519.PublicKey?

    init(_ bundle: DeviceKeyBundle) {
        guard let identity = try? X25519.PublicKey(bytes: bundle.identityKey),
            let signedPreKey = try? X25519.PublicKey(bytes: bundle.signedPreKey),
            (try? SignedPreKeySignature.verify(
                bundle.signature, deviceID: bundle.deviceID, keyID: bundle.signedPreKeyID,
                signedPreKey: signedPreKey, identityKey: identity)) != nil
        else {
            verifiedKey = nil
            return
        }
        verifiedKey = identity
    }

    /// Whether the device's identity key is `key` and its signature verifies under it.
    func verifies(as key: X25519.PublicKey) -> Bool { verifiedKey == key }
}
