import Testing

import UncordTestSupport

@testable import UncordSQLite

/// ``SQLiteConnection/migrate(_:)``: versioned, applied once, each step atomic, newer schemas refused.
@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    let first = Migration(version: 1, sql: "CREATE TABLE a (x INTEGER); INSERT INTO a (x) VALUES (1);")
    let second = Migration(version: 2, sql: "CREATE TABLE b (y TEXT);")

    func tables(_ connection: SQLiteConnection) throws -> [String] {
        try connection.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map {
            try $0.text("name")
        }
    }

    @Test("Migrations apply once, in order, and set user_version")
    func applyOnce() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        do {
            let connection = try SQLiteConnection(path: path)
            #expect(try connection.userVersion == 0)
            try connection.migrate([first])
            #expect(try connection.userVersion == 1)
            try connection.migrate([first])
            try connection.migrate([first, second])
            #expect(try connection.userVersion == 2)
            try connection.migrate([first, second])
        }
        let reopened = try SQLiteConnection(path: path)
        try reopened.migrate([first, second])
        #expect(try reopened.userVersion == 2)
        #expect(try tables(reopened) == ["a", "b"])
        #expect(try reopened.query("SELECT x FROM a").count == 1)
    }

    @Test("A newer user_version is refused and nothing is written")
    func newerSchema() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("PRAGMA user_version = 5")
        #expect(throws: SQLiteError.newerSchema(found: 5, supported: 2)) { try connection.migrate([first, second]) }
        #expect(try connection.userVersion == 5)
        #expect(try tables(connection).isEmpty)
    }

    @Test("A failing migration is rolled back whole and earlier ones stay")
    func failingMigration() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let broken = Migration(version: 2, sql: "CREATE TABLE b (y TEXT); INSERT INTO missing VALUES (1);")
        #expect {
            try connection.migrate([first, broken])
        } throws: { error in
            guard case .sqlite(_, let message) = error as? SQLiteError else { return false }
            return message.contains("missing")
        }
        #expect(try connection.userVersion == 1)
        #expect(try tables(connection) == ["a"])
    }

    @Test("Versions must be positive and strictly increasing")
    func invalidOrder() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        for list in [[second, first], [first, first], [Migration(version: 0, sql: "SELECT 1")]] {
            #expect {
                try connection.migrate(list)
            } throws: { error in
                guard case .misuse = error as? SQLiteError else { return false }
                return true
            }
        }
        #expect(try connection.userVersion == 0)
    }
}
