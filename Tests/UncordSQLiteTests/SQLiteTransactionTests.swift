import Foundation
import Testing

import UncordTestSupport

@testable import UncordSQLite

/// Commit, rollback and nesting of ``SQLiteConnection/transaction(_:)``, and ``SQLiteDatabase``.
@Suite("SQLite transactions")
struct SQLiteTransactionTests {
    struct Abort: Error, Equatable {}

    func makeConnection() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        return connection
    }

    func values(_ connection: SQLiteConnection) throws -> [Int64] {
        try connection.query("SELECT x FROM t ORDER BY x").map { try $0.integer("x") }
    }

    @Test("A returning body commits and hands back its result")
    func commit() throws {
        let connection = try makeConnection()
        let result = try connection.transaction {
            try connection.run("INSERT INTO t (x) VALUES (?)", [.integer(1)])
            return "done"
        }
        #expect(result == "done")
        #expect(!connection.isInTransaction)
        #expect(try values(connection) == [1])
    }

    @Test("A throwing body rolls back and its error comes out unchanged")
    func rollback() throws {
        let connection = try makeConnection()
        #expect(throws: Abort()) {
            try connection.transaction {
                try connection.run("INSERT INTO t (x) VALUES (?)", [.integer(1)])
                throw Abort()
            }
        }
        #expect(!connection.isInTransaction)
        #expect(try values(connection).isEmpty)
    }

    @Test("A nested call is a savepoint: undone alone when it throws")
    func nested() throws {
        let connection = try makeConnection()
        try connection.transaction {
            try connection.run("INSERT INTO t (x) VALUES (1)")
            #expect(throws: Abort()) {
                try connection.transaction {
                    try connection.run("INSERT INTO t (x) VALUES (2)")
                    throw Abort()
                }
            }
            try connection.transaction { try connection.run("INSERT INTO t (x) VALUES (3)") }
        }
        #expect(try values(connection) == [1, 3])
    }

    @Test("A failing COMMIT rolls back and throws")
    func failingCommit() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute(
            """
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
            """)
        #expect {
            try connection.transaction { try connection.run("INSERT INTO child (parent) VALUES (7)") }
        } throws: { error in
            guard case .constraint = error as? SQLiteError else { return false }
            return true
        }
        #expect(!connection.isInTransaction)
        #expect(try connection.queryOne("SELECT count(*) FROM child")?.integer(0) == 0)
    }

    @Test("SQLiteDatabase writes commit, throwing writes roll back, reads see the result")
    func storeConnection() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let store = try SQLiteDatabase(path: directory.path("store.sqlite"))
        try store.write { db in try db.execute("CREATE TABLE t (x INTEGER NOT NULL)") }
        try store.write { db in try db.run("INSERT INTO t (x) VALUES (?)", [.integer(1)]) }
        #expect(throws: Abort()) {
            try store.write { db in
                try db.run("INSERT INTO t (x) VALUES (?)", [.integer(2)])
                throw Abort()
            }
        }
        let values = try store.read { db in try db.query("SELECT x FROM t").map { try $0.integer(0) } }
        #expect(values == [1])
        let nested = try store.write { _ in try store.read { db in db.isInTransaction } }
        #expect(nested)
    }

    @Test("SQLiteDatabase serialises writers from many tasks")
    func serialisedWriters() async throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let store = try SQLiteDatabase(path: directory.path("store.sqlite"))
        try store.write { db in
            try db.execute("CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter (n) VALUES (0);")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<50 {
                        try store.write { db in
                            let n = try db.queryOne("SELECT n FROM counter")?.integer("n") ?? -1
                            try db.run("UPDATE counter SET n = ?", [.integer(n + 1)])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.read { db in try db.queryOne("SELECT n FROM counter")?.integer(0) } == 400)
    }
}
