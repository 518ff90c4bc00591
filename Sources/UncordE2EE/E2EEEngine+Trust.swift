public import Foundation
import Logging
import UncordCrypto
public import UncordRatchet
public import UncordStore

/// A peer user and the trust state of each of its pinned devices.
public struct PeerTrust: Sendable, Equatable {
    /// The user.
    public var user: UUID
    /// Its pinned devices.
    public var devices: [PeerDeviceRecord]
    /// `true` when sending to the user is refused until a change is accepted.
    public var sendingBlocked: Bool { devices.contains(where: \.sendBlocked) }
}

extension PeerDeviceRecord {
    /// The device's 30-digit fingerprint: its identity key and user id (PROTOCOL.md section 8), for comparing one
    /// device out of band.
    public var fingerprint: String {
        (try? SafetyNumber.fingerprint(user: address.user, identityKeys: [identityKey])) ?? ""
    }
}

extension E2EEEngine {
    /// Every known peer user with its devices and their trust state; this user's other devices are listed too.
    public func peers() throws(E2EEError) -> [PeerTrust] {
        try storeCall {
            try store.peerUsers().map { PeerTrust(user: $0, devices: try store.peerDevices(of: $0)) }
        }
    }

    /// One peer user with its pinned devices.
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when no device of `user` is pinned.
    public func peer(_ user: UUID) throws(E2EEError) -> PeerTrust {
        let devices = try storeCall { try store.peerDevices(of: user) }
        guard !devices.isEmpty else { throw .unknownPeer(user) }
        return PeerTrust(user: user, devices: devices)
    }

    /// The safety number between this user and `user`, over this device's key, this user's other pinned devices
    /// and `user`'s pinned devices.
    public func safetyNumber(with user: UUID) throws(E2EEError) -> SafetyNumber {
        let (own, theirs) = try storeCall {
            let identity = try store.localIdentity()
            let own = [identity.keyPair.publicKey] + (try store.peerDevices(of: local.user).map(\.identityKey))
            return (own, try store.peerDevices(of: user).map(\.identityKey))
        }
        guard !theirs.isEmpty else { throw .unknownPeer(user) }
        do {
            return try SafetyNumber(user: local.user, identityKeys: own, peer: user, peerIdentityKeys: theirs)
        } catch {
            throw Self.ratchetError(error)
        }
    }

    /// Marks every pinned device of `user` verified when `safetyNumber` (60 digits, spaces allowed, or the
    /// scannable `UEDM1-SN:` text) equals the one computed from the pinned keys.
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when no device of `user` is pinned;
    ///   ``E2EEError/identityChanged(user:devices:)`` while a device's changed key is not accepted
    ///   (``acceptIdentityChange(user:device:)`` first: a number over a key nobody looked at proves nothing);
    ///   ``E2EEError/safetyNumberMismatch`` for another number. Nothing changes on any of them.
    public func verify(user: UUID, safetyNumber text: String) throws(E2EEError) {
        let digits =
            text.hasPrefix(SafetyNumber.scannablePrefix)
            ? String(text.dropFirst(SafetyNumber.scannablePrefix.count)) : text
        let changed = try peer(user).devices.filter { $0.trust == .changed }
        guard changed.isEmpty else { throw .identityChanged(user: user, devices: changed.map(\.address.device)) }
        let expected = try safetyNumber(with: user)
        guard let given = SafetyNumber(digits: digits), given == expected else { throw .safetyNumberMismatch }
        try storeCall {
            for device in try store.peerDevices(of: user) {
                try store.pin(device.identityKey, for: device.address, trust: .verified, sendBlocked: false)
            }
        }
        logger.info("peer verified")
    }

    /// Accepts the current identity key of a device whose key changed: it becomes `unverified` and no longer
    /// blocks sending.
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when the device is not pinned; ``E2EEError/noIdentityChange(user:device:)``
    ///   when its key did not change (nothing changes).
    public func acceptIdentityChange(user: UUID, device: UUID) throws(E2EEError) {
        guard let record = try peer(user).devices.first(where: { $0.address.device == device }) else {
            throw .unknownPeer(device)
        }
        guard record.trust == .changed else { throw .noIdentityChange(user: user, device: device) }
        try storeCall { try store.pin(record.identityKey, for: record.address, trust: .unverified, sendBlocked: false) }
    }

    // MARK: Applying the rules

    /// Applies section 8 to an identity key seen for `address` outside a receive (IDENTITY_KEY_CHANGED, a bundle).
    func observeIdentity(_ key: X25519.PublicKey, of address: DeviceAddress) throws -> [AppEvent] {
        let known = try store.peerDevices(of: address.user)
        guard let pinned = known.first(where: { $0.address.device == address.device }) else {
            try store.pin(key, for: address, trust: .unverified, sendBlocked: false)
            return known.isEmpty ? [] : [.newDevice(address)]
        }
        guard pinned.identityKey != key else { return [] }
        return [try recordChange(of: address, from: pinned, to: key)]
    }

    /// The events for the notices of a receive, recording changes with the engine's policy.
    func noticeEvents(_ notices: [TrustNotice], knownBefore: [PeerDeviceRecord]) -> [AppEvent] {
        var events: [AppEvent] = []
        for notice in notices {
            switch notice {
            case .pinned(let address, _):
                if !knownBefore.isEmpty, !knownBefore.contains(where: { $0.address == address }) {
                    events.append(.newDevice(address))
                }
            case .identityChanged(let address, let previous, let current):
                let before =
                    knownBefore.first { $0.address == address }
                    ?? PeerDeviceRecord(address: address, identityKey: previous, trust: .unverified, sendBlocked: false)
                do {
                    events.append(try recordChange(of: address, from: before, to: current))
                } catch {
                    logger.warning("could not record an identity change", metadata: ["error": "\(error)"])
                }
            }
        }
        return events
    }

    /// Pins the new key as `changed`, blocking sends when the device was verified or the policy says so. The
    /// device's sessions are archived: the next send starts a new session from a fresh bundle.
    func recordChange(
        of address: DeviceAddress, from pinned: PeerDeviceRecord, to key: X25519.PublicKey
    ) throws -> AppEvent {
        let blocked = pinned.trust == .verified || pinned.sendBlocked || configuration.unverifiedChanges == .block
        try store.pin(key, for: address, trust: .changed, sendBlocked: blocked)
        logger.notice("peer identity key changed", metadata: ["blocked": "\(blocked)"])
        return .trustWarning(
            TrustWarning(
                device: address,
                previousFingerprint: (try? SafetyNumber.fingerprint(
                    user: address.user, identityKeys: [pinned.identityKey]))
                    ?? "",
                currentFingerprint: (try? SafetyNumber.fingerprint(user: address.user, identityKeys: [key])) ?? "",
                sendingBlocked: blocked))
    }
}
