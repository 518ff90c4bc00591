import CSQLite

extension SQLiteConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws and rethrows its error
    /// unchanged.
    ///
    /// The outermost call is `BEGIN IMMEDIATE`, so the write lock is taken up front. A nested call, made while a
    /// transaction is open, becomes a `SAVEPOINT`: its changes are released into the enclosing transaction when
    /// it returns and undone alone when it throws. When `COMMIT` itself fails, the transaction is rolled back
    /// and the commit's error is thrown.
    ///
    /// ```swift
    /// try connection.transaction {
    ///     try connection.run("DELETE FROM prekeys WHERE id = ?", [.integer(id)])
    ///     try connection.run("INSERT INTO sessions (peer, state) VALUES (?, ?)", [.text(peer), .blob(state)])
    /// }
    /// ```
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let isNested = try begin()
        let result: T
        do {
            result = try body()
        } catch {
            undo(isNested: isNested)
            throw error
        }
        try finish(isNested: isNested)
        return result
    }

    /// `true` while a transaction is open.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// ``transaction(_:)`` for a body that throws only ``SQLiteError``, keeping the error type.
    public func withTransaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let isNested = try begin()
        let result: T
        do {
            result = try body()
        } catch {
            undo(isNested: isNested)
            throw error
        }
        try finish(isNested: isNested)
        return result
    }

    /// The savepoint name. Nested savepoints share it: SQLite always acts on the most recent one of a name.
    private static let savepoint = "uncord_nested"

    /// Opens a transaction, or a savepoint inside the open one; returns whether it was a savepoint.
    private func begin() throws(SQLiteError) -> Bool {
        if isInTransaction {
            try execute("SAVEPOINT \(Self.savepoint)")
            return true
        }
        try execute("BEGIN IMMEDIATE")
        transactionDataVersion = nil
        return false
    }

    /// Commits, or releases the savepoint; on failure undoes the work and throws the failure.
    private func finish(isNested: Bool) throws(SQLiteError) {
        do {
            try execute(isNested ? "RELEASE \(Self.savepoint)" : "COMMIT")
        } catch {
            undo(isNested: isNested)
            throw error
        }
    }

    /// Rolls back the transaction or the savepoint. Failures are ignored: the caller is already throwing, and
    /// SQLite may have rolled back on its own (after `SQLITE_FULL`, for instance).
    private func undo(isNested: Bool) {
        if isNested {
            _ = try? execute("ROLLBACK TO \(Self.savepoint)")
            _ = try? execute("RELEASE \(Self.savepoint)")
        } else if isInTransaction {
            _ = try? execute("ROLLBACK")
        }
    }
}
