extension SQLiteConnection {
    /// Brings the schema up to the last of `migrations`.
    ///
    /// Reads `PRAGMA user_version`. When it is above the highest known version, throws
    /// ``SQLiteError/newerSchema(found:supported:)`` without writing anything. Otherwise applies each missing
    /// migration in order, each in its own transaction together with the new `user_version`, so a failure leaves
    /// the store at the last version that fully applied. A migration another connection applied meanwhile is skipped
    /// (the version is read again inside its transaction, under the write lock).
    ///
    /// Throws ``SQLiteError/misuse(_:)`` when the versions are not positive and strictly increasing.
    public func migrate(_ migrations: [Migration]) throws(SQLiteError) {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous else {
                throw .misuse("migration versions must be positive and strictly increasing (\(migration.version))")
            }
            previous = migration.version
        }
        let found = try userVersion
        guard found <= previous else { throw .newerSchema(found: found, supported: previous) }
        for migration in migrations where migration.version > found {
            try withTransaction { () throws(SQLiteError) in
                // Another process sharing the store may have applied it since the version was read.
                guard try userVersion < migration.version else { return }
                try execute(migration.sql)
                try execute("PRAGMA user_version = \(migration.version)")
            }
        }
    }
}
