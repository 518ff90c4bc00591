import CSodium

extension X25519.PublicKey {
    /// `true` when this `u` is a point of small order (on the curve or its twist, canonical or not): every X25519
    /// with it gives the all-zero result, so no key can be agreed with it.
    ///
    /// Checked with one scalar multiplication by a fixed clamped scalar `k = 8m`, `2^251 ≤ m < 2^252`: `k·P` is zero
    /// exactly when the order of `P` divides `k`. The large prime factors of the curve's and the twist's orders are
    /// both above `2^252`, so they never divide `k`, and the result is zero only for the points of order 1, 2, 4 or 8.
    /// The key is public, so the check need not hide anything.
    public var isLowOrder: Bool {
        guard (try? Sodium.ensureInitialized()) != nil else { return false }
        var out = [UInt8](repeating: 0, count: X25519.byteCount)
        let probe = [UInt8](repeating: 0x5a, count: X25519.byteCount)
        let code = crypto_scalarmult(&out, probe, bytes)
        // libsodium returns -1 exactly when the output is all zero.
        return code != 0 || out.allSatisfy { $0 == 0 }
    }
}
