public import Foundation
public import UncordCrypto

/// What a new device shows to be linked to an existing one (LINKED_DEVICES.md A4, step 1):
/// `R = 0x01 || uuid(d) || E_n.pub`, 49 bytes, as the text `UEDM1-LINK:` + base64url(R) and a six-digit link code.
///
/// ```swift
/// // The new device N:
/// let ephemeral = X25519.PrivateKey.generate(using: SystemRandom())
/// let request = LinkRequest(deviceID: UUID(), ephemeralKey: ephemeral.publicKey)
/// print(request.text, request.linkCode)        // shown as text and QR code, with the code
/// // The existing device O, from what the person carried over:
/// let read = try LinkRequest(text: pasted)     // O shows read.linkCode; the person compares the two
/// ```
public struct LinkRequest: Sendable, Equatable, CustomStringConvertible {
    /// The format's version byte.
    public static let version: UInt8 = 0x01
    /// The size of `R`: version, device id, ephemeral public key.
    public static let byteCount = 1 + 16 + X25519.byteCount
    /// The prefix of the text form.
    public static let textPrefix = "UEDM1-LINK:"
    /// How long after showing a request the new device still accepts a response to it.
    public static let lifetime: Duration = .seconds(600)

    /// The id the new device will register with.
    public var deviceID: UUID
    /// The public half of the new device's ephemeral key `E_n`.
    public var ephemeralKey: X25519.PublicKey

    /// A request from its parts.
    public init(deviceID: UUID, ephemeralKey: X25519.PublicKey) {
        self.deviceID = deviceID
        self.ephemeralKey = ephemeralKey
    }

    /// Reads `R`.
    /// - Throws: ``LinkError/unsupportedVersion(_:)`` for a version byte other than `0x01`,
    ///   ``LinkError/malformedRequest(_:)`` for a length other than 49 bytes, ``LinkError/lowOrderKey`` when the
    ///   ephemeral key is a low-order point (no response could be made for it).
    public init(bytes: [UInt8]) throws(LinkError) {
        guard let version = bytes.first else { throw .malformedRequest("the request is empty") }
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard bytes.count == Self.byteCount else {
            throw .malformedRequest("a request is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        let key: X25519.PublicKey
        do { key = try X25519.PublicKey(bytes: bytes[17..<Self.byteCount]) } catch { throw .crypto(error) }
        guard !key.isLowOrder else { throw .lowOrderKey }
        self.init(deviceID: UUID(rfc4122Bytes: bytes[1..<17]), ephemeralKey: key)
    }

    /// Reads the text form, `UEDM1-LINK:` + unpadded base64url; white space around it is ignored.
    /// - Throws: ``LinkError/malformedRequest(_:)`` for a missing prefix or text that is not unpadded base64url,
    ///   then what ``init(bytes:)`` throws.
    public init(text: String) throws(LinkError) {
        let bytes: [UInt8]?
        do { bytes = try LinkKeySchedule.decodeText(text, prefix: Self.textPrefix) } catch {
            throw .malformedRequest(error.description)
        }
        guard let bytes else {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.utf8.starts(with: LinkResponse.textPrefix.utf8) {
                throw .malformedRequest("this is a link response (\(LinkResponse.textPrefix)), not a request")
            }
            throw .malformedRequest("the text does not start with \(Self.textPrefix)")
        }
        try self.init(bytes: bytes)
    }

    /// `R`, 49 bytes.
    public var bytes: [UInt8] {
        [Self.version] + deviceID.rfc4122Bytes + ephemeralKey.bytes
    }

    /// `UEDM1-LINK:` + base64url(R), unpadded: what the new device shows, as text and as a QR code.
    public var text: String {
        Self.textPrefix + Base64URL.encode(bytes)
    }

    /// The six-digit link code both devices show: `u32be(H256("UEDM1 LinkCode" || R)[0..4]) mod 1000000`,
    /// zero-padded. It only catches scanning or pasting the wrong request; it does not authenticate one.
    public var linkCode: String {
        LinkKeySchedule.linkCode(request: bytes)
    }

    public var description: String {
        "LinkRequest(device: \(deviceID.uuidString.lowercased()), code: \(linkCode))"
    }

    /// Holds the new device to A4's deadline: a response is accepted only within ``lifetime`` of showing the
    /// request, measured on a monotonic clock (`ContinuousClock` or `SuspendingClock`) the caller reads.
    /// A `now` before `shownAt` (a clock that went backwards) is refused too.
    /// - Throws: ``LinkError/expired``.
    ///
    /// ```swift
    /// let shownAt = ContinuousClock.now
    /// // … the person carries the response back …
    /// try LinkRequest.checkFresh(shownAt: shownAt, now: .now)
    /// ```
    public static func checkFresh<Instant: InstantProtocol>(shownAt: Instant, now: Instant) throws(LinkError)
    where Instant.Duration == Duration {
        let elapsed = shownAt.duration(to: now)
        guard elapsed >= .zero, elapsed <= lifetime else { throw .expired }
    }
}
