import Logging
public import UncordRatchet
public import UncordStore

extension E2EEEngine {
    /// Every stored session, by peer user, peer device and position (the active one first).
    public func sessions() throws(E2EEError) -> [SessionSummary] {
        try storeCall { try store.sessionSummaries() }
    }

    /// Archives the sessions with one peer device: the next send to it fetches a fresh bundle and starts a new
    /// session (a pre-key wrap), while the archived sessions still decrypt messages already in flight.
    /// - Returns: how many sessions the device's record keeps.
    /// - Throws: ``E2EEError/noSession(user:device:)`` when there is none; nothing changes.
    @discardableResult
    public func resetSessions(with device: DeviceAddress) throws(E2EEError) -> Int {
        let count = try storeCall { try store.archiveSessions(of: device) }
        guard count > 0 else { throw .noSession(user: device.user, device: device.device) }
        logger.info("sessions with a peer device archived", metadata: ["count": "\(count)"])
        return count
    }
}
