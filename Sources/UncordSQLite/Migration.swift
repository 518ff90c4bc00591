/// One step of the schema: plain SQL that takes the store to `version`.
///
/// Migrations are append-only. Once a migration has shipped, its SQL is never edited; a change is a new
/// migration with a higher version. The SQL must not hold its own `BEGIN` or `COMMIT`:
/// ``SQLiteConnection/migrate(_:)`` runs each step in its own transaction.
///
/// ```swift
/// let migrations = [
///     Migration(version: 1, sql: "CREATE TABLE peers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),
///     Migration(version: 2, sql: "ALTER TABLE peers ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;"),
/// ]
/// try connection.migrate(migrations)
/// ```
public struct Migration: Sendable, Equatable {
    /// The schema version after this step; positive, and strictly increasing along the list.
    public let version: Int
    /// The statements of this step.
    public let sql: String

    /// The step that takes the store to `version` by running `sql`.
    public init(version: Int, sql: String) {
        self.version = version
        self.sql = sql
    }
}
