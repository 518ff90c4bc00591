import Foundation
import Logging
import UncordProtocol

extension E2EEEngine {
    /// The app's events for a gateway's frames, as they happen: each frame is processed in order, as
    /// `process(frame:)` does, and a READY or RESUMED is handed over at once, its catch-up running beside the
    /// later frames and yielding each missed message as soon as it is decrypted (with
    /// ``AppEvent/catchUpProgress(channel:received:total:)`` along the way).
    ///
    /// Live messages and caught-up ones may interleave; each message is handed over once. The stream finishes after
    /// `frames` ends (or throws) and every catch-up it started has finished; cancelling the stream's consumer stops
    /// both.
    ///
    /// ```swift
    /// let gateway = session.gateway()
    /// let connection = Task { try await gateway.run() }
    /// for await event in engine.events(from: gateway.frames) { app.handle(event) }
    /// ```
    public nonisolated func events<Frames: AsyncSequence & Sendable>(
        from frames: Frames
    ) -> AsyncStream<AppEvent> where Frames.Element == [UInt8] {
        let (stream, continuation) = AsyncStream.makeStream(of: AppEvent.self)
        let relay = Task { await self.relay(frames, to: continuation) }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    /// Processes `frames` into `continuation`, starting a catch-up task for each READY and RESUMED.
    private func relay<Frames: AsyncSequence & Sendable>(
        _ frames: Frames, to continuation: AsyncStream<AppEvent>.Continuation
    ) async where Frames.Element == [UInt8] {
        await withTaskGroup(of: Void.self) { catchUps in
            do {
                for try await bytes in frames {
                    let events = await Self.$catchUpDeferred.withValue(true) { await process(frame: bytes) }
                    for event in events { continuation.yield(event) }
                    if events.contains(where: Self.startsCatchUp) {
                        catchUps.addTask { await self.catchUp(into: continuation) }
                    }
                }
            } catch {
                logger.warning("the gateway's frames ended with a failure", metadata: ["error": "\(type(of: error))"])
            }
            await catchUps.waitForAll()
        }
        continuation.finish()
    }

    /// Whether `event` hands over a READY or RESUMED, whose catch-up was deferred.
    private static func startsCatchUp(_ event: AppEvent) -> Bool {
        guard case .passthrough(_, let frame?) = event, frame.op == .dispatch else { return false }
        return frame.type == .ready || frame.type == .resumed
    }
}
