import CSQLite

extension SQLiteConnection {
    /// The whole database as one image (`sqlite3_serialize`), read inside one read transaction, so it includes
    /// what the write-ahead log holds and is consistent. The image is marked as a rollback-journal database (header
    /// bytes 18 and 19), so that it loads into memory with ``loadImage(_:)``; opening it as a file turns
    /// write-ahead logging back on.
    public func serializedImage() throws(SQLiteError) -> [UInt8] {
        var size: sqlite3_int64 = 0
        guard let pointer = sqlite3_serialize(handle, "main", &size, 0) else {
            throw .io("cannot read the database at \(path) into memory")
        }
        defer { sqlite3_free(pointer) }
        var image = Array(UnsafeBufferPointer(start: pointer, count: Int(size)))
        if image.count >= 20 {
            image[18] = 1
            image[19] = 1
        }
        return image
    }

    /// Replaces this in-memory connection's database with `image` (`sqlite3_deserialize`).
    /// - Throws: ``SQLiteError/notADatabase(path:)`` when the image is not an SQLite database.
    public func loadImage(_ image: [UInt8]) throws(SQLiteError) {
        guard let buffer = sqlite3_malloc64(sqlite3_uint64(max(image.count, 1))) else {
            throw .io("out of memory for a database image of \(image.count) bytes")
        }
        image.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: source.count) }
        }
        let flags = UInt32(SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE)
        // With FREEONCLOSE SQLite owns `buffer` from here, also when the call fails.
        try check(
            sqlite3_deserialize(
                handle, "main", buffer.assumingMemoryBound(to: UInt8.self), sqlite3_int64(image.count),
                sqlite3_int64(image.count), flags))
        // Reading the schema checks the image is a database at all.
        _ = try queryOne("SELECT count(*) FROM sqlite_master")
    }

    /// Writes a compact copy of the database to `destination` (`VACUUM INTO`), which must not exist or be empty.
    public func vacuum(into destination: String) throws(SQLiteError) {
        try run("VACUUM INTO ?", [.text(destination)])
    }
}
