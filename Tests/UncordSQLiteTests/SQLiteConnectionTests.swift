import Foundation
import Testing

import UncordTestSupport

@testable import UncordSQLite

/// Opening, configuration and single-owner locking of ``SQLiteConnection``.
@Suite("SQLite connection")
struct SQLiteConnectionTests {
    @Test("Opens, writes, closes and reopens with the data kept")
    func openAndReopen() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try connection.run("INSERT INTO notes (body) VALUES (?)", [.text("kept")])
            #expect(connection.changes == 1)
            #expect(connection.lastInsertRowID == 1)
        }
        let reopened = try SQLiteConnection(path: path)
        #expect(try reopened.queryOne("SELECT body FROM notes WHERE id = ?", [.integer(1)])?.text("body") == "kept")
        #expect(try reopened.queryOne("SELECT body FROM notes WHERE id = ?", [.integer(2)]) == nil)
    }

    @Test("The database and lock files are private to the user")
    func privateFiles() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        let connection = try SQLiteConnection(path: path)
        try connection.execute("CREATE TABLE t (x)")
        for file in [path, path + "-lock", path + "-wal"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue
            #expect(permissions == 0o600, "\(file)")
        }
    }

    @Test("Write-ahead logging, foreign keys and secure delete are on")
    func pragmas() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let connection = try SQLiteConnection(path: directory.path("store.sqlite"))
        #expect(try connection.queryOne("PRAGMA journal_mode")?.text(0) == "wal")
        #expect(try connection.queryOne("PRAGMA foreign_keys")?.integer(0) == 1)
        #expect(try connection.queryOne("PRAGMA secure_delete")?.integer(0) == 1)
        #expect(try connection.queryOne("PRAGMA busy_timeout")?.integer(0) == 5000)
    }

    @Test(
        "Synchronous level follows the options",
        arguments: [(SQLiteConnection.Options.Synchronous.normal, 1), (.full, 2)]
            as [(SQLiteConnection.Options.Synchronous, Int64)]
    )
    func synchronous(level: SQLiteConnection.Options.Synchronous, pragmaValue: Int64) throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let options = SQLiteConnection.Options(synchronous: level, busyTimeoutMilliseconds: 250)
        let connection = try SQLiteConnection(path: directory.path("store.sqlite"), options: options)
        #expect(try connection.queryOne("PRAGMA synchronous")?.integer(0) == pragmaValue)
        #expect(try connection.queryOne("PRAGMA busy_timeout")?.integer(0) == 250)
    }

    @Test("An in-memory database opens without a lock, twice")
    func inMemory() throws {
        let first = try SQLiteConnection(path: ":memory:")
        let second = try SQLiteConnection(path: ":memory:")
        try first.execute("CREATE TABLE t (x)")
        #expect(try second.query("SELECT name FROM sqlite_master").isEmpty)
    }

    @Test("A second connection in this process gets storeInUse until the first is released")
    func secondOpenerInProcess() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        var first: SQLiteConnection? = try SQLiteConnection(path: path)
        #expect(first != nil)
        #expect(throws: SQLiteError.databaseInUse(path: path)) { _ = try SQLiteConnection(path: path) }
        #expect(throws: SQLiteError.databaseInUse(path: path)) { _ = try SQLiteDatabase(path: path) }
        first = nil
        _ = try SQLiteConnection(path: path)
    }

    @Test(
        "Another process cannot take the lock while a connection holds it",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"))
    )
    func secondOpenerInAnotherProcess() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        var connection: SQLiteConnection? = try SQLiteConnection(path: path)
        #expect(connection != nil)
        #expect(try Self.flockStatus(path + "-lock") == 1)
        connection = nil
        #expect(try Self.flockStatus(path + "-lock") == 0)
    }

    @Test("A garbage file is not a database")
    func garbageFile() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("garbage.sqlite")
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect(throws: SQLiteError.notADatabase(path: path)) { _ = try SQLiteConnection(path: path) }
        // The failed open released its lock: a second attempt fails the same way, not with storeInUse.
        #expect(throws: SQLiteError.notADatabase(path: path)) { _ = try SQLiteConnection(path: path) }
    }

    @Test("A truncated database is reported as not a database", arguments: [100, 4096, 6000])
    func truncatedFile(length: Int) throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("store.sqlite")
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            try connection.transaction {
                for index in 0..<200 {
                    try connection.run("INSERT INTO t (id, body) VALUES (?, zeroblob(500))", [.integer(index)])
                }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(length))
        try handle.close()
        #expect(throws: SQLiteError.notADatabase(path: path)) { _ = try SQLiteConnection(path: path) }
    }

    @Test("A missing directory is an I/O error")
    func missingDirectory() throws {
        let directory = try Scratch("uncord-sqlite", passphraseFiles: false)
        let path = directory.path("absent/store.sqlite")
        #expect {
            _ = try SQLiteConnection(path: path)
        } throws: { error in
            guard case .io = error as? SQLiteError else { return false }
            return true
        }
    }

    /// The exit status of `flock -n <path> true`: 0 when the lock was free, 1 when it was held.
    static func flockStatus(_ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["--nonblock", "--conflict-exit-code", "1", path, "true"]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
