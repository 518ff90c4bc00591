import CSodium

extension XEdDSA {
    /// Whether `publicKey` can be an identity key at all: the key checks of ``verify(_:for:publicKey:)`` — `u`
    /// canonical (below p, bit 255 clear) and its Edwards form a valid point of the prime-order subgroup. A key
    /// that fails them (a low-order point, a non-canonical encoding, a mixed-order point) verifies no signature,
    /// so no device can hold it.
    ///
    /// ```swift
    /// guard XEdDSA.isValidPublicKey(announced) else { return }   // refuse it before pinning anything
    /// ```
    public static func isValidPublicKey(_ publicKey: X25519.PublicKey) -> Bool {
        guard (try? Sodium.ensureInitialized()) != nil, CurveMap.isCanonicalFieldEncoding(publicKey.bytes) else {
            return false
        }
        return crypto_core_ed25519_is_valid_point(CurveMap.edwardsY(fromMontgomeryU: publicKey.bytes)) == 1
    }
}
