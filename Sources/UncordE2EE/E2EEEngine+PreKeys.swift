import Foundation
import Logging
import UncordCrypto
import UncordProtocol
import UncordRatchet
public import UncordStore

extension E2EEEngine {
    /// Tops the server's one-time pre-key pool up to the target: reads the server's count, makes the missing keys
    /// (stored `pending` first) and uploads every pending key in batches of at most 100, marking each batch
    /// published after the server's answer. Concurrent calls share one run.
    /// - Returns: how many keys were uploaded (0 when the upload failed; the same keys are retried next time).
    @discardableResult
    public func replenishOneTimePreKeys() async -> Int {
        if let running = replenishment { return await running.value }
        let task = Task { await self.runReplenishment() }
        replenishment = task
        let count = await task.value
        replenishment = nil
        return count
    }

    /// Tops the server's one-time pre-key pool up to `target` now, as ``replenishOneTimePreKeys()`` does for the
    /// configured target, but reporting progress and failures.
    ///
    /// ```swift
    /// let result = try await engine.replenishOneTimePreKeys(target: 500) { print($0) }
    /// ```
    /// - Throws: ``E2EEError/server(detail:)`` when the server could not be read or refused an upload (the keys
    ///   made stay `pending` and are uploaded by the next top-up); ``E2EEError/store(detail:)``.
    @discardableResult
    public func replenishOneTimePreKeys(
        target: Int, progress: @Sendable (PreKeyProgress) -> Void = { _ in }
    ) async throws(E2EEError) -> PreKeyReplenishment {
        if let running = replenishment { _ = await running.value }
        // Waits for a top-up another process sharing the store is running, then counts what it left.
        let outcome = await withLease(EngineLease.oneTimePreKeys, waiting: .seconds(60)) {
            () async -> Result<PreKeyReplenishment, E2EEError> in
            do throws(E2EEError) {
                return .success(try await replenishHoldingLease(target: target, progress: progress))
            } catch {
                return .failure(error)
            }
        }
        guard let outcome else {
            throw .store(detail: "another process kept topping up the one-time pre-keys for a minute; try again")
        }
        return try outcome.get()
    }

    private func replenishHoldingLease(
        target: Int, progress: @Sendable (PreKeyProgress) -> Void
    ) async throws(E2EEError) -> PreKeyReplenishment {
        let before = try await serverCall { try await server.oneTimePreKeyCount(device: local.device) }
        let generated = try makeMissingOneTimePreKeys(target: target, onServer: before)
        if generated > 0 { progress(.generated(generated)) }
        let uploaded = try await uploadPendingOneTimePreKeys(progress: progress)
        let after = try await serverCall { try await server.oneTimePreKeyCount(device: local.device) }
        return PreKeyReplenishment(
            onServerBefore: before, generated: generated, uploaded: uploaded, onServerAfter: after)
    }

    /// One top-up, in one process at a time among those sharing the store: when another holds the lease it is
    /// topping up already, and this one leaves it the work.
    private func runReplenishment() async -> Int {
        await withLease(EngineLease.oneTimePreKeys) { await replenishHoldingLease() } ?? 0
    }

    private func replenishHoldingLease() async -> Int {
        do {
            let onServer = try await server.oneTimePreKeyCount(device: local.device)
            _ = try makeMissingOneTimePreKeys(target: configuration.oneTimePreKeyTarget, onServer: onServer)
            return try await uploadPendingOneTimePreKeys()
        } catch {
            logger.warning("one-time pre-key replenishment failed; retrying later", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Makes the keys that, with those on the server and those pending, reach `target`; returns how many.
    private func makeMissingOneTimePreKeys(target: Int, onServer: Int) throws(E2EEError) -> Int {
        let pending = try storeCall { try store.pendingOneTimePreKeys() }.count
        let missing = target - onServer - pending
        guard missing > 0 else { return 0 }
        return try storeCall { try store.generateOneTimePreKeys(count: missing) }.count
    }

    /// Uploads every pending one-time pre-key in batches of at most 100.
    func uploadPendingOneTimePreKeys(
        progress: @Sendable (PreKeyProgress) -> Void = { _ in }
    ) async throws(E2EEError) -> Int {
        let pending = try storeCall { try store.pendingOneTimePreKeys() }
        var uploaded = 0
        for start in stride(from: 0, to: pending.count, by: UploadOneTimePreKeysRequest.maximumBatchSize) {
            let batch = Array(pending[start..<min(start + UploadOneTimePreKeysRequest.maximumBatchSize, pending.count)])
            let request = UploadOneTimePreKeysRequest(
                preKeys: batch.map { OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes) })
            do {
                try await server.uploadOneTimePreKeys(device: local.device, request)
            } catch let error where ServerError.carried(by: error)?.code == .duplicateKeyID {
                // The server holds some of these ids already: an earlier upload of them succeeded but its answer was
                // lost. The server takes a batch all or nothing, so the batch is split to find them.
                logger.notice("the server already holds some of these one-time pre-keys; splitting the batch")
                try await uploadRefused(batch[...])
            } catch {
                throw Self.serverError(error)
            }
            try storeCall { try store.markPublished(oneTimePreKeys: batch.map(\.id)) }
            uploaded += batch.count
            progress(.uploaded(uploaded, of: pending.count))
        }
        if uploaded > 0 { logger.info("uploaded one-time pre-keys", metadata: ["count": "\(uploaded)"]) }
        return uploaded
    }

    /// Uploads the keys of `keys`, a batch the server refused whole as `DUPLICATE_KEY_ID`, so that each ends up on
    /// the server once. Only this device uploads its keys and it never reuses an id, so a key refused alone is one
    /// the server has. The batch is halved: a half the server takes is done, and then the other half is known to
    /// hold a key it has; a refused half is halved again. When both halves of a batch are refused twice running, the
    /// server holds many of these keys (a whole earlier batch, typically), and each must be refused alone to be
    /// known as there, so they go key by key. Docs/ENGINE.md gives the costs.
    private func uploadRefused(
        _ keys: ArraySlice<PublishedPreKey>, bothHalvesRefusedAbove: Bool = false
    ) async throws(E2EEError) {
        guard keys.count > 1 else { return }  // refused alone: the server has it
        let middle = keys.startIndex + keys.count / 2
        let (left, right) = (keys[..<middle], keys[middle...])
        if try await uploadAllOrNothing(left) {
            try await uploadRefused(right)
        } else if try await uploadAllOrNothing(right) {
            try await uploadRefused(left)
        } else if bothHalvesRefusedAbove {
            try await uploadKeyByKey(left)
            try await uploadKeyByKey(right)
        } else {
            try await uploadRefused(left, bothHalvesRefusedAbove: true)
            try await uploadRefused(right, bothHalvesRefusedAbove: true)
        }
    }

    /// Uploads the keys of a refused batch one at a time; when all but the last were taken, the last is the one the
    /// server has, and is not sent.
    private func uploadKeyByKey(_ keys: ArraySlice<PublishedPreKey>) async throws(E2EEError) {
        var refusedOne = false
        for index in keys.indices {
            if index == keys.endIndex - 1, !refusedOne { return }
            if try await !uploadAllOrNothing(keys[index...index]) {
                refusedOne = true
            }
        }
    }

    /// One upload request for `keys`: `true` when the server took them, `false` when it refused them as
    /// `DUPLICATE_KEY_ID` (it holds at least one of them).
    private func uploadAllOrNothing(_ keys: ArraySlice<PublishedPreKey>) async throws(E2EEError) -> Bool {
        let request = UploadOneTimePreKeysRequest(
            preKeys: keys.map { OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes) })
        do {
            try await server.uploadOneTimePreKeys(device: local.device, request)
            return true
        } catch let error where ServerError.carried(by: error)?.code == .duplicateKeyID {
            return false
        } catch {
            throw Self.serverError(error)
        }
    }

    /// Rotates the signed pre-key when it is older than the configured age, uploads the current one when the
    /// server does not have it yet, and deletes retired keys past their 30-day grace period. A rotated identity
    /// key the server lacks is uploaded first (a signed pre-key is checked against it).
    public func rotateSignedPreKeyIfNeeded() async throws(E2EEError) {
        try await publishIdentityIfNeeded()
        let current = try storeCall { try store.currentSignedPreKey() }
        if now.timeIntervalSince(current.createdAt) >= configuration.signedPreKeyRotationAge {
            _ = try rotateSignedPreKeyLocally()
        }
        try await uploadSignedPreKeyIfNeeded()
    }

    /// Rotates the signed pre-key now, whatever its age, and uploads the new one; the retired key is kept for its
    /// 30-day grace period, for messages in flight.
    /// - Returns: the new key's record (public key, signature, id).
    /// - Throws: ``E2EEError/server(detail:)`` when the upload failed: the new key is kept and uploaded by the next
    ///   ``rotateSignedPreKeyIfNeeded()``.
    @discardableResult
    public func rotateSignedPreKey() async throws(E2EEError) -> SignedPreKeyRecord {
        try await publishIdentityIfNeeded()
        let record = try rotateSignedPreKeyLocally()
        try await uploadSignedPreKeyIfNeeded()
        return record
    }

    private func rotateSignedPreKeyLocally() throws(E2EEError) -> SignedPreKeyRecord {
        let record = try storeCall { try store.rotateSignedPreKey() }
        logger.info("signed pre-key rotated", metadata: ["key_id": "\(record.id)"])
        return record
    }

    private func uploadSignedPreKeyIfNeeded() async throws(E2EEError) {
        let current = try storeCall { try store.currentSignedPreKey() }
        if try !storeCall({ try store.isCurrentSignedPreKeyPublished() }) {
            let request = UploadSignedPreKeyRequest(
                keyID: current.id, publicKey: current.publicKey.bytes, signature: current.signature)
            do {
                try await server.uploadSignedPreKey(device: local.device, request)
            } catch let error where ServerError.carried(by: error)?.code == .duplicateKeyID {
                // The real server refuses a key id it has: an earlier upload of this key succeeded and its answer
                // was lost. (A key id is never reused for another key, so it is this one.)
                logger.info("the server already has this signed pre-key")
            } catch {
                throw Self.serverError(error)
            }
            try storeCall { try store.markSignedPreKeyPublished(id: current.id) }
        }
        try storeCall { try store.deleteExpiredSignedPreKeys() }
    }

    /// READY and RESUMED: rotate the signed pre-key when due, then top the one-time pre-keys up — each in one
    /// process at a time among those sharing the store.
    func syncKeys() async -> Int {
        _ = await withLease(EngineLease.signedPreKey) {
            do {
                try await rotateSignedPreKeyIfNeeded()
            } catch {
                logger.warning("signed pre-key sync failed", metadata: ["error": "\(error)"])
            }
        }
        return await replenishOneTimePreKeys()
    }
}
