import Foundation
import Logging
import UncordCrypto
import UncordProtocol
import UncordRatchet
import UncordStore

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

    private func runReplenishment() async -> Int {
        do {
            let onServer = try await server.oneTimePreKeyCount(device: local.device)
            let pending = try storeCall { try store.pendingOneTimePreKeys() }.count
            let missing = configuration.oneTimePreKeyTarget - onServer - pending
            if missing > 0 {
                _ = try storeCall { try store.generateOneTimePreKeys(count: missing) }
            }
            return try await uploadPendingOneTimePreKeys()
        } catch {
            logger.warning("one-time pre-key replenishment failed; retrying later", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Uploads every pending one-time pre-key in batches of at most 100.
    func uploadPendingOneTimePreKeys() async throws(E2EEError) -> Int {
        let pending = try storeCall { try store.pendingOneTimePreKeys() }
        var uploaded = 0
        for start in stride(from: 0, to: pending.count, by: UploadOneTimePreKeysRequest.maximumBatchSize) {
            let batch = Array(pending[start..<min(start + UploadOneTimePreKeysRequest.maximumBatchSize, pending.count)])
            let request = UploadOneTimePreKeysRequest(
                preKeys: batch.map { OneTimePreKey(keyID: $0.id, publicKey: $0.publicKey.bytes) })
            do {
                try await server.uploadOneTimePreKeys(device: local.device, request)
            } catch {
                throw Self.serverError(error)
            }
            try storeCall { try store.markPublished(oneTimePreKeys: batch.map(\.id)) }
            uploaded += batch.count
        }
        if uploaded > 0 { logger.info("uploaded one-time pre-keys", metadata: ["count": "\(uploaded)"]) }
        return uploaded
    }

    /// Rotates the signed pre-key when it is older than the configured age, uploads the current one when the
    /// server does not have it yet, and deletes retired keys past their 30-day grace period.
    public func rotateSignedPreKeyIfNeeded() async throws(E2EEError) {
        var current = try storeCall { try store.currentSignedPreKey() }
        if now.timeIntervalSince(current.createdAt) >= configuration.signedPreKeyRotationAge {
            current = try storeCall { try store.rotateSignedPreKey() }
            logger.info("signed pre-key rotated", metadata: ["key_id": "\(current.id)"])
        }
        if try !storeCall({ try store.isCurrentSignedPreKeyPublished() }) {
            let request = UploadSignedPreKeyRequest(
                keyID: current.id, publicKey: current.publicKey.bytes, signature: current.signature)
            do {
                try await server.uploadSignedPreKey(device: local.device, request)
            } catch {
                throw Self.serverError(error)
            }
            try storeCall { try store.markSignedPreKeyPublished(id: current.id) }
        }
        try storeCall { try store.deleteExpiredSignedPreKeys() }
    }

    /// READY and RESUMED: rotate the signed pre-key when due, then top the one-time pre-keys up.
    func syncKeys() async -> Int {
        do {
            try await rotateSignedPreKeyIfNeeded()
        } catch {
            logger.warning("signed pre-key sync failed", metadata: ["error": "\(error)"])
        }
        return await replenishOneTimePreKeys()
    }
}
