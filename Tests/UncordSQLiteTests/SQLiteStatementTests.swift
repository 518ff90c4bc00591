import Foundation
import Testing
import UncordCrypto

import UncordTestSupport

@testable import UncordSQLite

/// Binding and reading values, the statement cache, and errors that never show bound arguments.
@Suite("SQLite statements")
struct SQLiteStatementTests {
    @Test("Every value type binds and reads back, by name and by index")
    func roundTrip() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE v (i INTEGER, r REAL, s TEXT, b BLOB, k BLOB, n BLOB, e BLOB, z TEXT)")
        let secret = SecureBytes(copying: [0xDE, 0xAD, 0x00, 0xBE, 0xEF] as [UInt8])
        let text = "héllo 👋\u{0}tail"
        try connection.run(
            "INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .integer(Int64.min), .real(-2.5), .text(text), .blob([0, 1, 255]), .secureBlob(secret), .null,
                .blob([]), .text(""),
            ])
        let row = try #require(try connection.queryOne("SELECT * FROM v"))
        #expect(try row.integer("i") == Int64.min)
        #expect(try row.integer(0) == Int64.min)
        #expect(try row.real("r") == -2.5)
        #expect(try row.text("s") == text)
        #expect(try row.text(2) == text)
        #expect(try row.blob("b") == [0, 1, 255])
        #expect(try row.blob("K") == secret.exportBytes())
        #expect(try row.optionalBlob("n") == nil)
        #expect(try row.optionalInteger(5) == nil)
        #expect(try row.optionalText("n") == nil)
        #expect(try row.optionalReal("n") == nil)
        #expect(try row.optionalInteger("i") == Int64.min)
        #expect(try row.blob("e") == [])
        #expect(try row.text("z") == "")
        #expect(try row.value("e") == .blob([]))
    }

    @Test("Reading the wrong type or an unknown column throws")
    func typedAccessErrors() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let row = try #require(try connection.queryOne("SELECT 1 AS one, NULL AS empty, 'x' AS word"))
        #expect(throws: SQLiteError.typeMismatch(column: "one", expected: "TEXT", found: "INTEGER")) {
            try row.text("one")
        }
        #expect(throws: SQLiteError.typeMismatch(column: "empty", expected: "INTEGER", found: "NULL")) {
            try row.integer(1)
        }
        #expect(throws: SQLiteError.typeMismatch(column: "word", expected: "BLOB", found: "TEXT")) {
            try row.optionalBlob("word")
        }
        #expect(throws: SQLiteError.columnNotFound("missing")) { try row.integer("missing") }
        #expect(throws: SQLiteError.columnNotFound("#3")) { try row.integer(3) }
    }

    @Test("The same SQL run 1000 times is prepared once")
    func statementCache() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        let before = connection.statementsPrepared
        let start = ContinuousClock.now
        try connection.transaction {
            for index in 0..<1000 {
                try connection.run("INSERT INTO t (x) VALUES (?)", [.integer(index)])
            }
        }
        let elapsed = ContinuousClock.now - start
        #expect(connection.statementsPrepared == before + 1)
        for _ in 0..<10 {
            _ = try connection.query("SELECT count(*) FROM t WHERE x >= ?", [.integer(500)])
        }
        #expect(connection.statementsPrepared == before + 2)
        #expect(try connection.queryOne("SELECT count(*) FROM t")?.integer(0) == 1000)
        #expect(elapsed < .seconds(5))
    }

    @Test("A constraint violation is a constraint error")
    func constraint() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE u (name TEXT NOT NULL UNIQUE)")
        try connection.run("INSERT INTO u (name) VALUES (?)", [.text("a")])
        #expect(throws: SQLiteError.constraint("UNIQUE constraint failed: u.name")) {
            try connection.run("INSERT INTO u (name) VALUES (?)", [.text("a")])
        }
        // The cached statement was reset: it runs again.
        try connection.run("INSERT INTO u (name) VALUES (?)", [.text("b")])
        #expect(try connection.query("SELECT name FROM u").count == 2)
    }

    @Test("Errors never contain a bound argument")
    func errorsHideArguments() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let connection = try SQLiteConnection(path: directory.path("store.sqlite"))
        let secret = "hunter2-zebra-7f3a91"
        try connection.execute(
            """
            CREATE TABLE s (v TEXT NOT NULL UNIQUE CHECK (length(v) < 30));
            CREATE TABLE strict (n INTEGER) STRICT;
            """)
        try connection.run("INSERT INTO s (v) VALUES (?)", [.text(secret)])
        let failing: [(String, [SQLiteValue])] = [
            ("INSERT INTO s (v) VALUES (?)", [.text(secret)]),
            ("INSERT INTO s (v) VALUES (?)", [.text(secret + secret)]),
            ("INSERT INTO strict (n) VALUES (?)", [.text(secret)]),
            ("ATTACH DATABASE ? AS other", [.text(directory.path("missing/\(secret).sqlite"))]),
            ("SELECT json_extract(?, '$.a')", [.text("{\(secret)")]),
        ]
        for (sql, arguments) in failing {
            do {
                try connection.run(sql, arguments)
                Issue.record("\(sql) did not fail")
            } catch {
                #expect(!"\(error)".contains(secret), "\(sql)")
                #expect(!String(reflecting: error).contains(secret), "\(sql)")
                if sql.hasPrefix("ATTACH") {
                    // SQLite names the file it could not open; the helper redacts it.
                    #expect("\(error)".contains("<redacted>"))
                }
            }
        }
    }

    @Test("Values and rows describe types, never contents")
    func descriptions() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let row = try #require(try connection.queryOne("SELECT ? AS word, ? AS key", [.text("sesame"), .blob([7])]))
        #expect("\(row)" == "SQLiteRow(word: TEXT, key: BLOB)")
        #expect("\(SQLiteValue.text("sesame"))" == "TEXT(6 bytes)")
        #expect(!"\(SQLiteValue.secureBlob(SecureBytes(copying: [1, 2, 3] as [UInt8])))".contains("1"))
    }

    @Test("Misuse: wrong argument count, several statements, no statement")
    func misuse() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let cases: [(String, [SQLiteValue])] = [
            ("SELECT ?", []),
            ("SELECT 1", [.integer(1)]),
            ("SELECT 1; SELECT 2", []),
            ("  ", []),
        ]
        for (sql, arguments) in cases {
            #expect {
                try connection.run(sql, arguments)
            } throws: { error in
                guard case .misuse = error as? SQLiteError else { return false }
                return true
            }
        }
        try connection.run("SELECT 1;  ")
    }
}
