import Foundation
import UncordCrypto
import UncordRatchet

/// `link` (LINKED_DEVICES.md A4). A request case (`device_id`, `ephemeral_private`) must give `request`, `text` and
/// `link_code`, and read back from both forms. A response case opens `response` with `ephemeral_private` against
/// `request`, unpads and checks the payload, and must give `payload` (the exact unpadded bytes) and
/// `confirmation_code`; an `invalid` one must be refused, by the check its `refusal` note names when it has one.
enum LinkFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        if vector.has("device_id") {
            try runRequest(vector)
        } else {
            try runResponse(vector)
        }
    }

    private static func runRequest(_ vector: VectorCase) throws(VectorFailure) {
        guard try vector.expectsValid() else { throw VectorFailure("a request case cannot be invalid") }
        let ephemeral = try vector.privateKey("ephemeral_private")
        let request = LinkRequest(deviceID: try vector.uuid("device_id"), ephemeralKey: ephemeral.publicKey)
        try vector.expect("request", equals: request.bytes)
        try expect("text", request.text, vector.string("text"))
        try expect("link_code", request.linkCode, vector.string("link_code"))
        guard (try? LinkRequest(bytes: request.bytes)) == request, (try? LinkRequest(text: request.text)) == request
        else { throw VectorFailure("the request does not read back as itself") }
    }

    private static func runResponse(_ vector: VectorCase) throws(VectorFailure) {
        let requestBytes = try vector.hex("request")
        let ephemeral = try vector.privateKey("ephemeral_private")
        let responseBytes = try vector.hex("response")
        let refusal = try vector.optionalString("refusal")
        switch (open(request: requestBytes, ephemeral: ephemeral, response: responseBytes), try vector.expectsValid()) {
        case (.success(let opened), true):
            try vector.expect("payload", equals: opened.payload)
            try expect("confirmation_code", opened.code, vector.string("confirmation_code"))
        case (.failure(let refused), true):
            throw VectorFailure("unexpected refusal (\(refused.check)): \(refused.error)")
        case (.success, false):
            throw VectorFailure("expected the response to be refused, but it opened")
        case (.failure(let refused), false):
            if let refusal, refusal != refused.check {
                throw VectorFailure("refused by \(refused.check) (\(refused.error)), expected \(refusal)")
            }
        }
    }

    /// Which check refused a response case, by the names of the `refusal` note (Docs/VECTORS.md).
    struct Refusal: Error {
        var check: String
        var error: LinkError
    }

    /// The new device's side, step by step: read `R`, read `S`, open, unpad, read the payload.
    static func open(
        request requestBytes: [UInt8], ephemeral: X25519.PrivateKey, response responseBytes: [UInt8]
    ) -> Result<(payload: [UInt8], code: String), Refusal> {
        let request: LinkRequest
        do { request = try LinkRequest(bytes: requestBytes) } catch {
            switch error {
            case .unsupportedVersion: return .failure(Refusal(check: "request_version", error: error))
            case .lowOrderKey: return .failure(Refusal(check: "all_zero_dh", error: error))
            default: return .failure(Refusal(check: "request_length", error: error))
            }
        }
        let response: LinkResponse
        do { response = try LinkResponse(bytes: responseBytes) } catch {
            if case .unsupportedVersion = error { return .failure(Refusal(check: "response_version", error: error)) }
            return .failure(Refusal(check: "response_length", error: error))
        }
        let opened: (payload: SecureBytes, confirmationCode: String)
        do { opened = try response.openPayloadBytes(for: request, ephemeral: ephemeral) } catch {
            switch error {
            case .ephemeralKeyMismatch: return .failure(Refusal(check: "ephemeral_key", error: error))
            case .lowOrderKey: return .failure(Refusal(check: "all_zero_dh", error: error))
            case .authenticationFailed: return .failure(Refusal(check: "tag", error: error))
            default: return .failure(Refusal(check: "payload", error: error))
            }
        }
        do { _ = try LinkPayload(decoding: opened.payload) } catch {
            return .failure(Refusal(check: error == .identityKeyMismatch ? "identity_key" : "payload", error: error))
        }
        return .success((opened.payload.exportBytes(), opened.confirmationCode))
    }

    private static func expect(_ key: String, _ actual: String, _ expected: String) throws(VectorFailure) {
        guard actual == expected else { throw VectorFailure("\(key) mismatch: expected \(expected), got \(actual)") }
    }
}
