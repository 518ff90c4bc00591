import Foundation
import FuzzSupport
import UncordCrypto
import UncordProtocol
import UncordRatchet

/// The pre-key bundle decoders (`GET /users/{id}/keys`: `UserKeyBundle`, alone and in `{"data": …}`) and the checks
/// a bundle meets before use (`PreKeyBundle(user:device:)`, `verifySignature()`, XEdDSA underneath).
///
/// Input starting with byte 0 is binary: device id, identity key, key id, signed pre-key and signature taken
/// straight from the bytes, so the signature check sees arbitrary (low-order, non-canonical, out-of-range) keys.
/// Anything else is JSON.
///
/// Properties: a decoded bundle list re-encodes and decodes to itself; every decoded device makes a
/// `PreKeyBundle` (the decoder already checked the lengths); a signature refusal is
/// `invalidSignedPreKeySignature` and verification gives the same answer twice; a signature that verifies stops
/// verifying when one bit of it, the device id or the key id changes.
enum BundleTarget {
    static let user = UUID(uuid: (0xb0, 0xb0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1))

    static func run(_ bytes: [UInt8]) {
        if bytes.first == 0 {
            runBinary(bytes)
            return
        }
        guard let list = decode(UserKeyBundle.self, bytes) else {
            _ = decode(DataEnvelope<UserKeyBundle>.self, bytes)
            return
        }
        for device in list.devices {
            let bundle: PreKeyBundle
            do {
                bundle = try PreKeyBundle(user: list.userID, device: device)
            } catch {
                Fuzz.fail("a decoded device does not make a bundle: \(error)")
            }
            check(bundle)
        }
    }

    static func runBinary(_ bytes: [UInt8]) {
        var input = FuzzInput(Array(bytes.dropFirst()))
        let id = input.take(16)
        guard id.count == 16, let identity = try? X25519.PublicKey(bytes: input.take(32)) else { return }
        let keyID = input.uint32()
        guard let signed = try? X25519.PublicKey(bytes: input.take(32)) else { return }
        let signature = input.take(64)
        let device = UUID(
            uuid: (
                id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12], id[13],
                id[14], id[15]
            ))
        check(
            PreKeyBundle(
                address: DeviceAddress(user: user, device: device), identityKey: identity, signedPreKeyID: keyID,
                signedPreKey: signed, signature: signature))
    }

    static func check(_ bundle: PreKeyBundle) {
        let verified = verifies(bundle)
        Fuzz.check(verifies(bundle) == verified, "signature verification is not deterministic")
        guard verified else { return }
        Fuzz.check(SignedPreKeySignature.validKeyIDs.contains(bundle.signedPreKeyID), "an out-of-range key id passed")
        var flipped = bundle
        flipped.signature[Int(bundle.signedPreKeyID) % flipped.signature.count] ^= 0x01
        Fuzz.check(!verifies(flipped), "a signature with a flipped bit verified")
        var moved = bundle
        var id = bundle.address.device.uuid
        id.0 ^= 0x01
        moved.address.device = UUID(uuid: id)
        Fuzz.check(!verifies(moved), "a signature verified for another device")
        var renumbered = bundle
        renumbered.signedPreKeyID = bundle.signedPreKeyID == 1 ? 2 : bundle.signedPreKeyID - 1
        Fuzz.check(!verifies(renumbered), "a signature verified for another key id")
    }

    static func verifies(_ bundle: PreKeyBundle) -> Bool {
        do {
            try bundle.verifySignature()
            return true
        } catch {
            guard error == .invalidSignedPreKeySignature else { Fuzz.fail("a signature refused with \(error)") }
            return false
        }
    }

    static func decode<T: Codable & Equatable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        guard let value = try? WireJSON.decode(type, from: bytes) else { return nil }
        let encoded: [UInt8]
        do { encoded = try WireJSON.encode(value) } catch { Fuzz.fail("\(type) decoded but does not encode: \(error)") }
        guard let again = try? WireJSON.decode(type, from: encoded) else { Fuzz.fail("\(type) refuses its encoding") }
        Fuzz.check(again == value, "\(type) changed through encode → decode")
        return value
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    BundleTarget.run(Fuzz.bytes(data, size))
    return 0
}

@_cdecl("FuzzBundle_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, test: testOneInput)
}
