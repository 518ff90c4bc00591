public import Foundation
import Logging
import UncordCrypto
import UncordProtocol
public import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// Every known user, this user included once its own devices were judged, with its pin and devices.
    public func peers() throws(E2EEError) -> [PeerTrust] {
        try storeCall {
            try store.peerUsers().map {
                PeerTrust(
                    user: $0, identity: try store.peerIdentity(of: $0), devices: try store.deviceAuthorizations(of: $0))
            }
        }
    }

    /// One user with its pin and devices.
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when nothing is known of `user`.
    public func peer(_ user: UUID) throws(E2EEError) -> PeerTrust {
        let (identity, devices) = try storeCall {
            (try store.peerIdentity(of: user), try store.deviceAuthorizations(of: user))
        }
        guard identity != nil || !devices.isEmpty else { throw .unknownPeer(user) }
        return PeerTrust(user: user, identity: identity, devices: devices)
    }

    /// The safety number between this user and `user`: PROTOCOL.md section 8 over one key per user, this device's
    /// account key and `user`'s pinned account key — so it does not change when either user links or removes a
    /// device (LINKED_DEVICES.md A3).
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when no key is pinned for `user`.
    public func safetyNumber(with user: UUID) throws(E2EEError) -> SafetyNumber {
        let (own, theirs) = try storeCall {
            (try store.localIdentity().keyPair.publicKey, try store.peerIdentity(of: user)?.identityKey)
        }
        guard let theirs else { throw .unknownPeer(user) }
        do {
            return try SafetyNumber(user: local.user, identityKeys: [own], peer: user, peerIdentityKeys: [theirs])
        } catch {
            throw Self.ratchetError(error)
        }
    }

    /// Marks `user` verified when `safetyNumber` (60 digits, spaces allowed, or the scannable `UEDM1-SN:` text)
    /// equals the one computed from the pinned account key. Verifying a user covers every device that holds that
    /// key — exactly the devices the user linked.
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when no key is pinned for `user`;
    ///   ``E2EEError/identityChanged(user:devices:)`` while a change is not accepted (``acceptIdentityChange(user:)``
    ///   first: a number over a key nobody looked at proves nothing); ``E2EEError/safetyNumberMismatch`` for another
    ///   number. Nothing changes on any of them.
    public func verify(user: UUID, safetyNumber text: String) throws(E2EEError) {
        let digits =
            text.hasPrefix(SafetyNumber.scannablePrefix)
            ? String(text.dropFirst(SafetyNumber.scannablePrefix.count)) : text
        guard let identity = try peer(user).identity else { throw .unknownPeer(user) }
        guard identity.trust != .changed, identity.pendingKey == nil, !identity.sendBlocked else {
            throw .identityChanged(user: user, devices: try changedDevices(of: user))
        }
        let expected = try safetyNumber(with: user)
        guard let given = SafetyNumber(digits: digits), given == expected else { throw .safetyNumberMismatch }
        try storeCall { try store.setTrust(.verified, sendBlocked: false, of: user) }
        logger.info("peer verified")
    }

    /// Accepts the change of `user`'s account key: a key held while sending was blocked becomes the pin, or a
    /// `changed` pin becomes `unverified`; sending is no longer blocked, and the next send judges the user's device
    /// list again (starting new sessions with the devices that hold the key).
    /// - Throws: ``E2EEError/unknownPeer(_:)`` when no key is pinned for `user`;
    ///   ``E2EEError/noIdentityChange(user:)`` when there is nothing to accept (nothing changes).
    public func acceptIdentityChange(user: UUID) throws(E2EEError) {
        guard try peer(user).identity != nil else { throw .unknownPeer(user) }
        guard try storeCall({ try store.acceptIdentityChange(of: user) }) else { throw .noIdentityChange(user: user) }
        refreshedBundles[user] = nil
        logger.notice("peer identity change accepted")
    }

    /// The devices of `user` that carry its changed key: the key held pending, else a `changed` pin.
    func changedDevices(of user: UUID) throws(E2EEError) -> [UUID] {
        try storeCall {
            guard let identity = try store.peerIdentity(of: user) else { return [] }
            let changed = identity.pendingKey ?? identity.identityKey
            return try store.deviceAuthorizations(of: user).filter { $0.identityKey == changed.bytes }.map(
                \.address.device)
        }
    }

    /// Judges this account's own device list when the server's device route shows a device or key not judged
    /// before (a link, or a device the server added): the route costs no one-time pre-key, the bundle route does.
    func checkOwnDevices() async -> [AppEvent] {
        guard let listed = try? await server.devices() else { return [] }
        let others = Set(
            listed.filter { $0.deviceID != local.device }.map { "\($0.deviceID)/\(Hex.encode($0.identityKey))" })
        let judged = (try? store.deviceAuthorizations(of: local.user)) ?? []
        let known = Set(judged.map { "\($0.address.device)/\(Hex.encode($0.identityKey))" })
        guard others != known, !others.isEmpty || !known.isEmpty else { return [] }
        return await judgeQuietly(local.user)
    }

    // MARK: Judging device lists

    /// Fetches `user`'s device list (the bundle route: one one-time pre-key consumed per device on the server) and
    /// judges it (LINKED_DEVICES.md A2) in one store transaction: the pin, every device's verdict, and the cached
    /// list of authorized devices. This device, and devices the store knows as another user's, are left out first.
    /// - Returns: the authorized devices' bundles (for a send), whether sending to the user may go on, and the
    ///   events to report (``AppEvent/deviceRefused(user:device:reason:)`` once per device and key,
    ///   ``AppEvent/ownDeviceLinked(device:)``, ``AppEvent/trustWarning(_:)``).
    /// - Throws: ``E2EEError/noBundle(user:)`` when the server answered another user's list;
    ///   ``E2EEError/server(detail:)`` when the fetch failed.
    func judgeDeviceList(of user: UUID) async throws(E2EEError) -> DeviceListVerdict {
        if let judged = try await judgeDeviceList(of: user, unlessSettled: { false }) { return judged }
        return try await judgeDeviceListNow(of: user)
    }

    /// ``judgeDeviceList(of:)`` in one process at a time (the `device-lists` lease, shared with sends that fetch
    /// lists): the fetch spends one-time pre-keys on the server, and two processes sharing the store would judge
    /// the same list twice. While another process holds the lease this one waits; then `settled`, read in its
    /// turn, says whether that process's work already did what this judgement was for, and the fetch is skipped
    /// (`nil`). A lease that cannot be had in time (its holder hung) does not stop the judgement.
    func judgeDeviceList(
        of user: UUID, unlessSettled settled: () -> Bool
    ) async throws(E2EEError) -> DeviceListVerdict? {
        let outcome = await withLease(
            EngineLease.deviceLists, waiting: .seconds(EngineLease.duration + 5)
        ) { () async -> Result<DeviceListVerdict?, E2EEError> in
            if settled() { return .success(nil) }
            do throws(E2EEError) {
                return .success(try await judgeDeviceListNow(of: user))
            } catch {
                return .failure(error)
            }
        }
        if let outcome { return try outcome.get() }
        return try await judgeDeviceListNow(of: user)
    }

    /// What one judgement of a user's device list gave.
    typealias DeviceListVerdict = (
        bundle: UserKeyBundle, sendAllowed: Bool, events: [AppEvent], outcome: DeviceAuthorization.Outcome
    )

    func judgeDeviceListNow(of user: UUID) async throws(E2EEError) -> DeviceListVerdict {
        let fetched = try await serverCall { try await server.keyBundle(of: user) }
        guard fetched.userID == user else {
            logger.warning("the server answered another user's pre-key bundles; refused")
            throw .noBundle(user: user)
        }
        let others = try storeCall { try store.deviceIDs(ofUsersOtherThan: user) }
        let listed = fetched.devices.filter { device in
            if device.deviceID == local.device { return false }
            if others.contains(device.deviceID) {
                logger.warning("a pre-key bundle lists a device of another user; skipped")
                return false
            }
            return true
        }
        let judgement = try storeCall {
            try store.judgeDeviceList(
                UserKeyBundle(userID: user, devices: listed),
                unverifiedChanges: configuration.unverifiedChanges == .block ? .block : .warn)
        }
        var events: [AppEvent] = []
        if let warning = judgement.warning {
            events.append(.trustWarning(trustWarning(for: user, warning)))
            logger.notice("peer identity key changed", metadata: ["blocked": "\(warning.sendingBlocked)"])
        }
        var changedTo: [UInt8]?
        if case .changed(let key) = judgement.authorization.outcome { changedTo = key.bytes }
        // Devices that carry a changed account key are covered by the trust warning, not reported one by one.
        for device in judgement.newlyRefused where device.bundle.identityKey != changedTo {
            let report = "\(user)/\(device.deviceID)/\(Hex.encode(device.bundle.identityKey))/\(device.reason as Any)"
            guard reportedRefusals.insert(report).inserted else { continue }
            if let reason = device.reason {
                events.append(.deviceRefused(user: user, device: device.deviceID, reason: reason))
                logger.warning("a listed device is refused", metadata: ["reason": "\(reason.rawValue)"])
            }
        }
        for device in judgement.newlyLinkedOwnDevices {
            events.append(.ownDeviceLinked(device: device))
            logger.notice("a device was linked to this account")
        }
        suspectLists.remove(user)
        let usable = UserKeyBundle(userID: user, devices: judgement.authorization.authorizedDevices)
        return (usable, judgement.sendAllowed, events, judgement.authorization.outcome)
    }

    /// The app's warning for a judgement's warning.
    func trustWarning(for user: UUID, _ warning: DeviceListJudgement.Warning) -> TrustWarning {
        TrustWarning(
            user: user,
            previousFingerprint: warning.previous.flatMap {
                try? SafetyNumber.fingerprint(user: user, identityKeys: [$0])
            },
            currentFingerprint: warning.current.flatMap {
                try? SafetyNumber.fingerprint(user: user, identityKeys: [$0])
            },
            sendingBlocked: warning.sendingBlocked)
    }
}
