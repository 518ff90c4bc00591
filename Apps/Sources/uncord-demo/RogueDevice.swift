import Foundation
import Logging
import UncordClient
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// A device the server registers for a user on its own (what a malicious server would do): its own identity key,
/// a signed pre-key signed with that key, one-time pre-keys. Straight through the HTTP API, no engine.
struct RogueDevice {
    let device: UUID
    let api: HTTPServerAPI

    static func register(_ device: UUID, for user: UUID, server: URL, logger: Logger) async throws -> RogueDevice {
        let api = HTTPServerAPI(baseURL: server, token: "dev:\(user.uuidString.lowercased())", logger: logger)
        let random = SystemRandom()
        let identity = X25519.PrivateKey.generate(using: random)
        _ = try await api.registerDevice(
            RegisterDeviceRequest(deviceID: device, label: "server-added", identityKey: identity.publicKey.bytes))
        let signed = X25519.PrivateKey.generate(using: random)
        let signature = try SignedPreKeySignature.sign(
            deviceID: device, keyID: 1, signedPreKey: signed.publicKey, identityKey: identity, using: random)
        try await api.uploadSignedPreKey(
            device: device,
            UploadSignedPreKeyRequest(keyID: 1, publicKey: signed.publicKey.bytes, signature: signature))
        try await api.uploadOneTimePreKeys(
            device: device,
            UploadOneTimePreKeysRequest(
                preKeys: (1...5).map {
                    OneTimePreKey(
                        keyID: UInt32($0), publicKey: X25519.PrivateKey.generate(using: random).publicKey.bytes)
                }))
        return RogueDevice(device: device, api: api)
    }

    /// How many of the channel's messages carry a key for this device.
    func wrapsReceived(in channel: UUID) async throws -> Int {
        try await api.messages(channel: channel, device: device, before: nil, limit: 100).filter {
            !($0.messageKeys ?? []).isEmpty
        }.count
    }
}
