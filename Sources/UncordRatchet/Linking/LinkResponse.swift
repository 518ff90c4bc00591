public import UncordCrypto

/// What the existing device gives back to link a new one (LINKED_DEVICES.md A4, steps 2 and 3):
/// `S = 0x01 || E_o.pub || nonce (24) || C`, shown as `UEDM1-LINKED:` + base64url(S), where
/// `C = AEAD(K, nonce, pad(payload), "UEDM1 Link" || R || 0x01 || E_o.pub)` and
/// `K = HKDF(0x00*32, DH(E_o, E_n.pub), "UEDM1 Link" || R || E_o.pub, 32)`.
///
/// Both sides also show a six-digit confirmation code derived from `K`; the new device stores nothing until the
/// person has seen that the two codes match (a forged response cannot match: its maker does not know `K`).
///
/// ```swift
/// // The existing device O, once the person has compared the link codes:
/// let (response, code) = try LinkResponse.seal(payload, for: request, using: SystemRandom())
/// print(response.text, code)
/// // The new device N, with the E_n it drew for its request:
/// let (payload, sameCode) = try LinkResponse(text: pasted).open(for: request, ephemeral: ephemeral)
/// ```
public struct LinkResponse: Sendable, Equatable, CustomStringConvertible {
    /// The format's version byte.
    public static let version: UInt8 = 0x01
    /// The prefix of the text form.
    public static let textPrefix = "UEDM1-LINKED:"
    /// The shortest response: version, `E_o.pub`, nonce, one padded block and the tag.
    public static let minimumByteCount =
        1 + X25519.byteCount + XChaCha20Poly1305.nonceByteCount + XChaCha20Poly1305.tagByteCount + Padding.blockSize

    /// `S`.
    public let bytes: [UInt8]
    /// The public half of the existing device's ephemeral key `E_o`.
    public let ephemeralKey: X25519.PublicKey

    /// Reads `S`.
    /// - Throws: ``LinkError/unsupportedVersion(_:)`` for a version byte other than `0x01`,
    ///   ``LinkError/malformedResponse(_:)`` below ``minimumByteCount`` bytes.
    public init(bytes: [UInt8]) throws(LinkError) {
        guard let version = bytes.first else { throw .malformedResponse("the response is empty") }
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard bytes.count >= Self.minimumByteCount else {
            throw .malformedResponse("a response is at least \(Self.minimumByteCount) bytes, got \(bytes.count)")
        }
        do { ephemeralKey = try X25519.PublicKey(bytes: bytes[1..<(1 + X25519.byteCount)]) } catch {
            throw .crypto(error)
        }
        self.bytes = bytes
    }

    /// Reads the text form, `UEDM1-LINKED:` + unpadded base64url; white space around it is ignored.
    /// - Throws: ``LinkError/malformedResponse(_:)`` for a missing prefix or text that is not unpadded base64url,
    ///   then what ``init(bytes:)`` throws.
    public init(text: String) throws(LinkError) {
        let bytes: [UInt8]?
        do { bytes = try LinkKeySchedule.decodeText(text, prefix: Self.textPrefix) } catch {
            throw .malformedResponse(error.description)
        }
        guard let bytes else {
            throw .malformedResponse("the text does not start with \(Self.textPrefix)")
        }
        try self.init(bytes: bytes)
    }

    /// `UEDM1-LINKED:` + base64url(S), unpadded.
    public var text: String {
        Self.textPrefix + Base64URL.encode(bytes)
    }

    public var description: String { "LinkResponse(\(bytes.count) bytes)" }

    // MARK: The existing device

    /// Seals `payload` for `request` with a fresh `E_o` and nonce from `source`; `E_o` is dropped (and wiped) on
    /// return. Returns the response and the confirmation code to show.
    /// - Throws: ``LinkError/lowOrderKey`` when the request's key is a low-order point.
    public static func seal(
        _ payload: LinkPayload, for request: LinkRequest, using source: any RandomSource
    ) throws(LinkError) -> (response: LinkResponse, confirmationCode: String) {
        let ephemeral = X25519.PrivateKey.generate(using: source)
        return try seal(
            payload, for: request, ephemeral: ephemeral, nonce: source.bytes(XChaCha20Poly1305.nonceByteCount))
    }

    /// Seals `payload` for `request` with the given `E_o` and nonce (tests and vectors fix them; real use draws them
    /// fresh, as ``seal(_:for:using:)`` does).
    /// - Throws: ``LinkError/lowOrderKey`` when the request's key is a low-order point,
    ///   ``LinkError/invalidNonce(byteCount:)`` for a nonce that is not 24 bytes.
    public static func seal(
        _ payload: LinkPayload, for request: LinkRequest, ephemeral: X25519.PrivateKey, nonce: [UInt8]
    ) throws(LinkError) -> (response: LinkResponse, confirmationCode: String) {
        try seal(payloadBytes: payload.encoded(), for: request, ephemeral: ephemeral, nonce: nonce)
    }

    /// Seals payload bytes exactly as given, valid or not: the test vectors use it to make responses whose payload
    /// the new device must refuse. Apps seal a ``LinkPayload``.
    /// - Throws: as ``seal(_:for:ephemeral:nonce:)``.
    public static func seal(
        payloadBytes: SecureBytes, for request: LinkRequest, ephemeral: X25519.PrivateKey, nonce: [UInt8]
    ) throws(LinkError) -> (response: LinkResponse, confirmationCode: String) {
        guard nonce.count == XChaCha20Poly1305.nonceByteCount else { throw .invalidNonce(byteCount: nonce.count) }
        let requestBytes = request.bytes
        let key = try LinkKeySchedule.key(
            ephemeral: ephemeral, peer: request.ephemeralKey, request: requestBytes, existingKey: ephemeral.publicKey)
        let sealed: [UInt8]
        do {
            let padded = try Padding.pad(payloadBytes)
            sealed = try XChaCha20Poly1305.seal(
                padded, key: key, nonce: nonce,
                authenticating: LinkKeySchedule.associatedData(request: requestBytes, existingKey: ephemeral.publicKey))
        } catch {
            throw .crypto(error)
        }
        let response = try LinkResponse(bytes: [version] + ephemeral.publicKey.bytes + nonce + sealed)
        return (response, LinkKeySchedule.confirmationCode(key: key))
    }

    // MARK: The new device

    /// Opens the response with the `E_n` the new device drew for `request`, removes the padding and checks the
    /// payload. Store nothing until the person has confirmed that both devices show the same confirmation code,
    /// then check that the payload's `user` is the account this device logs in with.
    /// - Throws: ``LinkError/ephemeralKeyMismatch`` when `ephemeral` is not the request's key,
    ///   ``LinkError/lowOrderKey`` when `E_o.pub` is a low-order point, ``LinkError/authenticationFailed`` for a bad
    ///   tag (tampered, or made for another request), ``LinkError/invalidPayload(_:)`` or
    ///   ``LinkError/identityKeyMismatch`` for a payload ``LinkPayload/init(decoding:)`` refuses.
    public func open(
        for request: LinkRequest, ephemeral: X25519.PrivateKey
    ) throws(LinkError) -> (payload: LinkPayload, confirmationCode: String) {
        let (bytes, code) = try openPayloadBytes(for: request, ephemeral: ephemeral)
        return (try LinkPayload(decoding: bytes), code)
    }

    /// ``open(for:ephemeral:)`` without reading the payload: the exact unpadded payload bytes (what the test vectors
    /// compare) and the confirmation code.
    /// - Throws: as ``open(for:ephemeral:)``, except the payload checks; ``LinkError/invalidPayload(_:)`` when the
    ///   padding is malformed.
    public func openPayloadBytes(
        for request: LinkRequest, ephemeral: X25519.PrivateKey
    ) throws(LinkError) -> (payload: SecureBytes, confirmationCode: String) {
        guard ephemeral.publicKey == request.ephemeralKey else { throw .ephemeralKeyMismatch }
        let requestBytes = request.bytes
        let key = try LinkKeySchedule.key(
            ephemeral: ephemeral, peer: ephemeralKey, request: requestBytes, existingKey: ephemeralKey)
        let nonceStart = 1 + X25519.byteCount
        let sealedStart = nonceStart + XChaCha20Poly1305.nonceByteCount
        let payload: SecureBytes
        do {
            let padded = try XChaCha20Poly1305.open(
                bytes[sealedStart...], key: key, nonce: bytes[nonceStart..<sealedStart],
                authenticating: LinkKeySchedule.associatedData(request: requestBytes, existingKey: ephemeralKey))
            payload = try Padding.unpad(padded)
        } catch .authenticationFailed {
            throw .authenticationFailed
        } catch .invalidPadding {
            throw .invalidPayload("the padding is malformed")
        } catch {
            throw .crypto(error)
        }
        return (payload, LinkKeySchedule.confirmationCode(key: key))
    }
}
