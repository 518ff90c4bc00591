import UncordCrypto

/// `hkdf`: `ikm`, `salt`, `info`, `length` → `okm`.
enum HKDFFamily {
    static func run(_ vector: VectorCase) throws(VectorFailure) {
        let ikm = try vector.hex("ikm")
        let salt = try vector.hex("salt")
        let info = try vector.hex("info")
        let length = try vector.integer("length")
        let okm = try vector.outcome {
            guard let count = Int(exactly: length) else { throw CryptoError.invalidParameter("length") }
            return try HKDF.deriveKey(salt: salt, ikm: ikm, info: info, length: count).exportBytes()
        }
        if let okm { try vector.expect("okm", equals: okm) }
    }
}
