import Foundation
import UncordCrypto

/// Seals and opens secret column values: `nonce (24) || XChaCha20-Poly1305(value)` under the store key, with
/// `"UEDM1 Store" || table || 0x00 || column || 0x00 || row key` as associated data, so a sealed value opens only
/// in the exact cell it was written to.
struct Sealer: Sendable {
    private static let prefix = Array("UEDM1 Store".utf8)
    /// The store key (a backup carries it, to reseal the restored store under the importer's key).
    let key: StoreKey
    private let random: any RandomSource

    init(key: StoreKey, random: any RandomSource = SystemRandom()) {
        self.key = key
        self.random = random
    }

    /// Where a sealed value lives: its column and the row's natural key (the constructors in `Sealer+Cells.swift`).
    struct Cell: Sendable {
        var column: Column
        var row: [UInt8]

        init(_ column: Column, row: [UInt8]) {
            self.column = column
            self.row = row
        }

        init(_ column: Column, row: String) {
            self.init(column, row: Array(row.utf8))
        }

        var associatedData: [UInt8] {
            Sealer.prefix + Array(column.table.utf8) + [0] + Array(column.name.utf8) + [0] + row
        }
    }

    /// Seals `value` for `cell`.
    func seal(_ value: some ContiguousBytes, for cell: Cell) throws(StoreError) -> [UInt8] {
        let nonce = random.bytes(XChaCha20Poly1305.nonceByteCount)
        do {
            return nonce
                + (try XChaCha20Poly1305.seal(value, key: key.key, nonce: nonce, authenticating: cell.associatedData))
        } catch {
            throw .sealedValueUnreadable(table: cell.column.table, column: cell.column.name)
        }
    }

    /// Opens a value sealed for `cell`.
    /// - Throws: ``StoreError/sealedValueUnreadable(table:column:)`` when it was sealed under another key, for
    ///   another cell, or altered.
    func open(_ sealed: [UInt8], for cell: Cell) throws(StoreError) -> SecureBytes {
        let nonceCount = XChaCha20Poly1305.nonceByteCount
        guard sealed.count >= nonceCount + XChaCha20Poly1305.tagByteCount else {
            throw .sealedValueUnreadable(table: cell.column.table, column: cell.column.name)
        }
        do {
            return try XChaCha20Poly1305.open(
                sealed[nonceCount...], key: key.key, nonce: sealed[..<nonceCount], authenticating: cell.associatedData)
        } catch {
            throw .sealedValueUnreadable(table: cell.column.table, column: cell.column.name)
        }
    }
}
