import Logging
public import UncordCrypto
public import UncordRatchet
import UncordStore

extension E2EEEngine {
    /// The existing device's step of linking a new one (LINKED_DEVICES.md A4 step 2): seals this account's key,
    /// every pin and every channel for the new device's request. Call it only once the person confirmed that both
    /// devices show the same link code (`LinkRequest.linkCode`); show them the returned
    /// confirmation code, and the response as text (or a QR code) to carry to the new device — never through a
    /// server.
    ///
    /// ```swift
    /// let request = try LinkRequest(text: scanned)
    /// guard person.confirms(request.linkCode) else { return }
    /// let (response, code) = try await engine.approveLink(request)
    /// show(response.text, code)
    /// ```
    /// - Throws: ``E2EEError/crypto(detail:)`` when the request cannot be answered (a low-order key);
    ///   ``E2EEError/store(detail:)``. Nothing is stored either way.
    public func approveLink(
        _ request: LinkRequest, random: any RandomSource = SystemRandom()
    ) throws(E2EEError) -> (response: LinkResponse, confirmationCode: String) {
        let payload = try storeCall { try store.linkPayload() }
        do {
            let sealed = try LinkResponse.seal(payload, for: request, using: random)
            logger.notice("link response made for a new device of this account")
            return sealed
        } catch {
            throw .crypto(detail: error.description)
        }
    }
}
