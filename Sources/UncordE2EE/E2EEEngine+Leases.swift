import Foundation
import Logging
import UncordStore

/// The store's leases (`Docs/ENGINE.md`, "Several processes"): work that must run in one process at a time.
enum EngineLease {
    /// Topping the server's one-time pre-keys up.
    static let oneTimePreKeys = "one-time-pre-keys"
    /// Rotating and uploading the signed pre-key.
    static let signedPreKey = "signed-pre-key"
    /// Catching up on missed messages.
    static let catchUp = "catch-up"
    /// Fetching and judging device lists, and a send that fetched lists sealing its sessions.
    static let deviceLists = "device-lists"
    /// How long a lease lasts unless renewed; a holder renews it every third of that while it works, so a holder
    /// killed mid-work holds it at most this long.
    static let duration: TimeInterval = 30
}

extension E2EEEngine {
    /// Runs `body` holding the store lease `name`, renewed while `body` runs and released after. When another
    /// process holds it, `body` does not run and `nil` is returned (that process is doing the work) — unless
    /// `waiting`, when the lease is waited for, up to `waiting`, before giving up with `nil`.
    func withLease<T: Sendable>(
        _ name: String, waiting: Duration? = nil, _ body: () async -> T
    ) async -> T? {
        let deadline = waiting.map { ContinuousClock.now + $0 }
        while true {
            var taken = false
            if !leasesHeld.contains(name) {
                do {
                    taken = try store.takeLease(name, holder: leaseHolder, for: EngineLease.duration)
                } catch {
                    logger.warning("the store's lease could not be taken", metadata: ["lease": "\(name)"])
                    return nil
                }
            }
            if taken { break }
            guard let deadline, ContinuousClock.now < deadline else {
                logger.info("another process holds the lease; leaving the work to it", metadata: ["lease": "\(name)"])
                return nil
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        leasesHeld.insert(name)
        defer { leasesHeld.remove(name) }
        let (store, holder) = (store, leaseHolder)
        let renewal = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(EngineLease.duration / 3))
                if Task.isCancelled { return }
                _ = try? store.takeLease(name, holder: holder, for: EngineLease.duration)
            }
        }
        let result = await body()
        renewal.cancel()
        try? store.releaseLease(name, holder: leaseHolder)
        return result
    }
}
