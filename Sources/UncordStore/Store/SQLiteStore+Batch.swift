public import UncordProtocol
public import UncordRatchet

extension SQLiteStore {
    /// Receives many messages in one transaction (a history page, a burst after reconnecting). Each message runs
    /// in its own savepoint inside it, so one that fails to decrypt rolls back alone and the others still commit;
    /// the results come back in order.
    public func receive(
        _ messages: [Message], using cipher: SessionCipher
    ) throws -> [Result<ReceivedMessage, any Error>] {
        try connection.write { _ in
            messages.map { message in Result { try receive(message, using: cipher) } }
        }
    }
}
